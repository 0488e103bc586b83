// A fixed set of worker threads for fork-join loops: the encoder splits its GEMMs (by panels)
// and its attention (by heads) across them. Each index of a loop is one task, run exactly once on
// the caller or on a worker; which thread runs it never changes a result (tasks write disjoint
// outputs), so results are the same at every thread count.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace ruv {

// Threads to use when none are asked for: RUVECTOR_THREADS when it is a positive integer, else
// every core (std::thread::hardware_concurrency; 1 when unknown, and always 1 without threads).
unsigned DefaultThreads();

class ThreadPool {
 public:
  // `threads` in all, the caller of ParallelFor included: starts threads - 1 workers (none for
  // 0 or 1), or as many as the system lets it start (size() says; never throws for that).
  explicit ThreadPool(unsigned threads);
  // A share of `pool`: loops run on at most `threads` of its threads (the caller included) and
  // start no thread of their own; the share keeps the pool alive.
  ThreadPool(std::shared_ptr<ThreadPool> pool, unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads that run a loop: the workers and the caller (for a share, at most its `threads`).
  unsigned size() const;

  // Runs fn(task, thread) for every task in [0, count), where thread in [0, size()) names the
  // thread running it (0: the caller), for per-thread scratch; returns when every task is done.
  // While another caller's loop holds the pool, runs all tasks on this caller as thread 0 (so
  // concurrent callers never wait for each other, and each must keep its own scratch). fn must
  // not throw: a task that throws ends the process (std::terminate) on whichever thread runs it,
  // the caller included, since the other threads may still be running tasks that use the
  // caller's frame.
  template <typename Fn>
  void ParallelFor(size_t count, Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    void* ctx = const_cast<void*>(static_cast<const void*>(&fn));
    if (shared_ != nullptr) {
      shared_->Run(count, &Trampoline<F>, ctx, limit_);
    } else {
      Run(count, &Trampoline<F>, ctx, size());
    }
  }

 private:
  using Call = void (*)(void*, size_t, unsigned);
  // noexcept: an exception out of a task terminates here, on every thread alike.
  template <typename F>
  static void Trampoline(void* f, size_t task, unsigned thread) noexcept {
    (*static_cast<F*>(f))(task, thread);
  }
  // Runs the loop on the caller and the workers numbered below `limit`.
  void Run(size_t count, Call call, void* ctx, unsigned limit);
  void Drain(unsigned thread);
  void Stop();
  void WorkerLoop(unsigned thread);

  std::shared_ptr<ThreadPool> shared_;  // a share's pool (then workers_ is empty)
  unsigned limit_ = 0;                  // a share's threads; the running loop's, in a pool
  std::vector<std::thread> workers_;
  std::mutex use_;  // held by the caller whose loop runs on the workers
  // A loop is handed over by bumping generation_ (release) after setting count_, call_, ctx_;
  // workers spin on it for a while before they sleep on wake_ (loops of one forward pass come
  // tens of microseconds apart, less than a futex wake-up costs in a VM), and the caller spins on
  // busy_ until every worker has left the loop.
  std::mutex mu_;  // guards sleepers_ and the sleep itself (no lost wake-up)
  std::condition_variable wake_;
  int sleepers_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::atomic<size_t> busy_{0};  // workers not yet done with the current loop
  size_t count_ = 0;
  Call call_ = nullptr;
  void* ctx_ = nullptr;
  std::atomic<size_t> next_{0};  // the next task to take
};

// One pool of DefaultThreads() threads, shared by every holder while one lives (a new one once
// all are gone). The wasm pthreads build gives its models shares of it: its workers are a fixed
// set started with the module, so models that each started their own would leave the later ones
// none. Two holders never run on it at once (the second runs its loop alone, as ParallelFor says).
std::shared_ptr<ThreadPool> SharedThreadPool();

}  // namespace ruv
