// Hashing helpers with fixed, versioned algorithms.
//
// Hashes identify workloads in the tuning database, so they must be the same on
// every machine and across releases: never std::hash. Algorithm version 1:
// bytes are hashed with 64-bit FNV-1a, and values are combined with
// `hash_combine` (a SplitMix64 finalizer over seed ^ value). Changing either is a
// format change and bumps kHashAlgorithmVersion.
//
//   uint64_t h = hash_string("C");
//   h = hash_combine(h, 512);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tessera {

inline constexpr int kHashAlgorithmVersion = 1;

uint64_t hash_bytes(const void* data, size_t size, uint64_t seed = 0xcbf29ce484222325ULL);
inline uint64_t hash_string(std::string_view s) { return hash_bytes(s.data(), s.size()); }
uint64_t hash_combine(uint64_t seed, uint64_t value);
uint64_t hash_double(double value);  // +0.0 and -0.0 hash differently; all NaNs alike

/// Hex rendering used for hashes in files and messages (16 lowercase digits).
std::string hash_to_hex(uint64_t hash);

}  // namespace tessera
