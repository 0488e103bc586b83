// SHA-256 (FIPS 180-4), for the integrity checks of untrusted bundles. Small and portable: the
// same code in the native and wasm builds, so a digest never depends on the backend.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace ruv {

using Sha256Digest = std::array<uint8_t, 32>;

// With the x86 SHA extensions when the CPU has them (checked once), else the portable code.
Sha256Digest Sha256(const uint8_t* data, size_t size);

// The portable code alone (the reference the SHA-extension path is tested against).
Sha256Digest Sha256Portable(const uint8_t* data, size_t size);

}  // namespace ruv
