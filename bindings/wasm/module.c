/* The wasm module has no code of its own: everything it exports is the C ABI, linked from
 * ruv_core (see CMakeLists.txt). This file only gives the executable target a translation unit
 * and checks at compile time that the header is the one the TS adapter expects. */
#include "ruv_capi.h"

_Static_assert(sizeof(size_t) == 4, "the TS adapter passes pointers and sizes as 32-bit numbers");
