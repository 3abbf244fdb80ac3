// A shared library that is not a tessera plugin: it has no entry point.
extern "C" __attribute__((visibility("default"))) int some_other_function() { return 1; }
