#include "tessera/codegen/llvm_codegen.h"

#include "tessera/support/attributes.h"

#include <dlfcn.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/DiagnosticHandler.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Passes/StandardInstrumentations.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include "tessera/ir/printer.h"
#include "tessera/runtime/measurement_gate.h"
#include "tessera/runtime/thread_pool.h"
#include "tessera/support/error.h"
#include "tessera/support/file_system.h"
#include "tessera/support/run_command.h"
#include "llvm_internal.h"

namespace tessera {

using llvm_detail::build_function;
using llvm_detail::initialize_llvm;
using llvm_detail::llvm_message;
using llvm_detail::unwrap;

struct LLVMModule::State {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::string ir, cpu;
};

namespace {

// The generated functions in one module, verified and optimised for the host CPU.
struct OptimizedModule {
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module;
  std::optional<llvm::orc::JITTargetMachineBuilder> jtmb;
  std::unique_ptr<llvm::TargetMachine> tm;
};

// The machine to generate code for: this one (with every feature it has) for `native`
// or the host's own name, otherwise the named CPU (its features implied by the name).
llvm::orc::JITTargetMachineBuilder machine_for(const Target& target) {
  if (target.kind != "llvm") fail("LLVM backend: target '{}' is not an llvm target", target.str());
  if (target.cpu == "native" || target.cpu == host_cpu_name())
    return unwrap(llvm::orc::JITTargetMachineBuilder::detectHost(), "detecting the host");
  const std::string triple = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target* llvm_target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (llvm_target == nullptr) fail("LLVM backend: no target for {}: {}", triple, error);
  // Checked here, before LLVM itself would only warn and ignore the name.
  std::unique_ptr<llvm::MCSubtargetInfo> info(llvm_target->createMCSubtargetInfo(triple, "", ""));
  if (info == nullptr || !info->isCPUStringValid(target.cpu)) {
    fail(
        "LLVM backend: target '{}': LLVM knows no CPU '{}' (for example native, znver4, "
        "skylake-avx512, haswell)",
        target.str(), target.cpu);
  }
  llvm::orc::JITTargetMachineBuilder jtmb{llvm::Triple(triple)};
  jtmb.setCPU(target.cpu);
  return jtmb;
}

}  // namespace

namespace {

OptimizedModule build_optimized(const std::vector<PrimFunc>& lowered, int opt_level,
                                bool position_independent, const Target& target) {
  initialize_llvm();
  OptimizedModule out;
  out.context = std::make_unique<llvm::LLVMContext>();
  // A vectorize request LLVM cannot honour (an outer loop) is a remark, not an error:
  // keep it out of the user's terminal.
  struct Quiet : llvm::DiagnosticHandler {
    bool handleDiagnostics(const llvm::DiagnosticInfo& info) override {
      return info.getSeverity() != llvm::DS_Error;
    }
  };
  out.context->setDiagnosticHandler(std::make_unique<Quiet>());
  out.module = std::make_unique<llvm::Module>("tessera", *out.context);
  llvm::Module& module = *out.module;
  for (const PrimFunc& f : lowered) build_function(f, module);
  std::string errors;
  llvm::raw_string_ostream error_stream(errors);
  if (llvm::verifyModule(module, &error_stream))
    fail("LLVM backend: the generated module is invalid (a tessera bug): {}", errors);

  out.jtmb = machine_for(target);
  out.jtmb->setCodeGenOptLevel(opt_level >= 2 ? llvm::CodeGenOptLevel::Aggressive
                                              : llvm::CodeGenOptLevel::Default);
  if (position_independent) out.jtmb->setRelocationModel(llvm::Reloc::PIC_);
  out.tm = unwrap(out.jtmb->createTargetMachine(), "creating the target machine");
  llvm::TargetMachine* tm = out.tm.get();
  module.setDataLayout(tm->createDataLayout());
  module.setTargetTriple(tm->getTargetTriple().str());
  for (llvm::Function& f : module) {
    if (f.isDeclaration()) continue;
    f.addFnAttr("target-cpu", tm->getTargetCPU());
    f.addFnAttr("target-features", tm->getTargetFeatureString());
  }
  if (opt_level > 0) {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PipelineTuningOptions tuning;
    tuning.LoopVectorization = true;
    tuning.SLPVectorization = true;
    // Pass timing and tracing for TESSERA_LLVM_OPTIONS (-time-passes, -print-after=...).
    llvm::PassInstrumentationCallbacks instrumentation;
    std::optional<llvm::StandardInstrumentations> standard;
    if (std::getenv("TESSERA_LLVM_OPTIONS") != nullptr) {
      standard.emplace(*out.context, /*DebugLogging=*/false);
      standard->registerCallbacks(instrumentation, &mam);
    }
    llvm::PassBuilder pb(tm, tuning, std::nullopt, &instrumentation);
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    llvm::OptimizationLevel level = opt_level >= 3   ? llvm::OptimizationLevel::O3
                                    : opt_level == 2 ? llvm::OptimizationLevel::O2
                                                     : llvm::OptimizationLevel::O1;
    llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(level);
    mpm.run(module, mam);
  }
  return out;
}

void write_file(const std::string& path, const llvm::SmallVectorImpl<char>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) fail("cannot write {}", path);
}

// The directory of the loaded libtessera, whose thread pool a shared library's parallel
// loops call.
std::string libtessera_directory() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&tessera_parallel_for), &info) == 0 ||
      info.dli_fname == nullptr) {
    fail("LLVM backend: cannot find where libtessera is loaded from");
  }
  return std::filesystem::absolute(info.dli_fname).parent_path().string();
}

}  // namespace

LLVMModule LLVMModule::compile(const std::vector<PrimFunc>& lowered, int opt_level,
                               const Target& target) {
  CompilationScope building;  // never while a candidate is timed
  OptimizedModule built =
      build_optimized(lowered, opt_level, /*position_independent=*/false, target);
  auto state = std::make_shared<State>();
  state->cpu = built.tm->getTargetCPU().str();
  {
    llvm::raw_string_ostream os(state->ir);
    built.module->print(os, nullptr);
  }
  state->jit =
      unwrap(llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*built.jtmb)).create(),
             "creating the JIT");
  // Generated code calls the thread pool, libm and the allocator from this process.
  llvm::orc::JITDylib& dylib = state->jit->getMainJITDylib();
  dylib.addGenerator(unwrap(llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
                                state->jit->getDataLayout().getGlobalPrefix()),
                            "searching the process"));
  llvm::orc::SymbolMap runtime;
  runtime[state->jit->mangleAndIntern("tessera_parallel_for")] = {
      llvm::orc::ExecutorAddr::fromPtr(&tessera_parallel_for), llvm::JITSymbolFlags::Exported};
  if (llvm::Error e = dylib.define(llvm::orc::absoluteSymbols(std::move(runtime))))
    fail("LLVM backend: {}", llvm_message(std::move(e)));
  if (llvm::Error e = state->jit->addIRModule(
          llvm::orc::ThreadSafeModule(std::move(built.module), std::move(built.context)))) {
    fail("LLVM backend: adding the module: {}", llvm_message(std::move(e)));
  }
  LLVMModule m;
  m.state_ = std::move(state);
  return m;
}

namespace {

// The machine code of the optimised module: assembly text or a position-independent object.
llvm::SmallVector<char, 0> machine_code(const std::vector<PrimFunc>& lowered, bool assembly,
                                        int opt_level, const Target& target) {
  OptimizedModule built =
      build_optimized(lowered, opt_level, /*position_independent=*/true, target);
  llvm::SmallVector<char, 0> bytes;
  llvm::raw_svector_ostream os(bytes);
  llvm::legacy::PassManager pm;
  const auto file_type =
      assembly ? llvm::CodeGenFileType::AssemblyFile : llvm::CodeGenFileType::ObjectFile;
  if (built.tm->addPassesToEmitFile(pm, os, nullptr, file_type))
    fail("LLVM backend: the target machine cannot write this kind of file");
  pm.run(*built.module);
  return bytes;
}

}  // namespace

std::string LLVMModule::assembly(const std::vector<PrimFunc>& lowered, int opt_level,
                                 const Target& target) {
  CompilationScope building;  // never while a candidate is timed
  llvm::SmallVector<char, 0> text = machine_code(lowered, /*assembly=*/true, opt_level, target);
  return std::string(text.begin(), text.end());
}

void LLVMModule::write(const std::vector<PrimFunc>& lowered, OutputKind kind,
                       const std::string& path, int opt_level, const Target& target) {
  check_parent_directory(path);
  CompilationScope building;  // never while a candidate is timed
  llvm::SmallVector<char, 0> bytes =
      machine_code(lowered, kind == OutputKind::kAssembly, opt_level, target);
  if (kind == OutputKind::kAssembly || kind == OutputKind::kObject) return write_file(path, bytes);
  const std::string object = path + ".o";
  write_file(object, bytes);
  std::vector<std::string> command;
  if (kind == OutputKind::kLoadableLibrary) {
    command = {"ld", "-shared", "-o", path, object};
  } else {
    const std::string lib = libtessera_directory();
    command = compiler_from_environment("TESSERA_CC", "cc");
    command.insert(command.end(), {"-shared", "-o", path, object, "-L" + lib, "-Wl,-rpath," + lib,
                                   "-ltessera", "-lm"});
  }
  CommandResult r = run_command(command);
  std::error_code ignored;
  std::filesystem::remove(object, ignored);
  if (r.status != 0) {
    fail("LLVM backend: linking the shared library failed (exit status {}):\n{}\ncommand: {}",
         r.status, r.output.substr(0, 4000), command_text(command));
  }
}

TESSERA_CALLS_GENERATED_CODE void LLVMModule::run(const std::string& func,
                                                  std::vector<NDArray>& args) const {
  auto address = state_->jit->lookup(func + "_packed");
  if (!address)
    fail("LLVM backend: the module has no function '{}': {}", func,
         llvm_message(address.takeError()));
  std::vector<void*> pointers;
  for (NDArray& a : args) pointers.push_back(a.data());
  const int status = address->toPtr<int (*)(void**)>()(pointers.data());
  if (status != 0)
    fail("LLVM backend: argument {} of '{}' is not 64-byte aligned; the kernel did not run",
         status - 1, func);
}

const std::string& LLVMModule::llvm_ir() const { return state_->ir; }
const std::string& LLVMModule::cpu() const { return state_->cpu; }

}  // namespace tessera
