// The test binary's operator new (failing_allocator_test.cc) can be told to fail an allocation
// with std::bad_alloc: for tests of out-of-memory paths, and of calls that promise not to
// allocate at all.
#pragma once

#include <cstdint>

namespace ruv::testing {

// The Nth allocation from now on the calling thread fails (0: the next one); then counting stops.
// -1 stops it without a failure.
void FailThreadAllocationAfter(int64_t n);
// True while that count has not yet reached its failing allocation.
bool ThreadAllocationFailurePending();

// The same, counted over the allocations of every thread (pool tasks included).
void FailAllocationAfter(int64_t n);
bool AllocationFailurePending();

}  // namespace ruv::testing
