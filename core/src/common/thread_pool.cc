#include "common/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <system_error>
#include <utility>

namespace ruv {

unsigned DefaultThreads() {
  if (const char* env = std::getenv("RUVECTOR_THREADS"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    const unsigned long n = std::strtoul(env, &end, 10);
    if (*end == '\0' && n >= 1 && n <= 1024) return static_cast<unsigned>(n);
  }
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  return 1;
#else
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
#endif
}

namespace {

// A short wait in a spin loop (the x86 "pause" hint keeps a spinning core from starving its
// sibling and from a memory-order flush when the value changes).
inline void Relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// How long a worker spins for the next loop before it sleeps.
constexpr auto kSpin = std::chrono::microseconds(200);

}  // namespace

ThreadPool::ThreadPool(unsigned threads) {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  threads = 1;  // (a build without threads: every loop runs on its caller)
#endif
  if (threads <= 1) return;
  workers_.reserve(threads - 1);
  for (unsigned t = 1; t < threads; ++t) {
    try {
      workers_.emplace_back([this, t] { WorkerLoop(t); });
    } catch (const std::system_error&) {
      // No thread to spare (a thread limit natively; in wasm the pthread pool is exhausted, and
      // a browser's main thread could not wait for a new worker to start): run on the ones
      // started. size() says how many, and results never depend on it.
      break;
    }
  }
}

ThreadPool::ThreadPool(std::shared_ptr<ThreadPool> pool, unsigned threads)
    : shared_(std::move(pool)), limit_(threads < 1 ? 1 : threads) {}

ThreadPool::~ThreadPool() { Stop(); }

unsigned ThreadPool::size() const {
  const unsigned own = static_cast<unsigned>(workers_.size()) + 1;
  return shared_ == nullptr ? own : std::min(limit_, shared_->size());
}

void ThreadPool::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  for (std::thread& w : workers_) w.join();
  workers_.clear();
}

void ThreadPool::Drain(unsigned thread) {
  for (size_t task = next_.fetch_add(1, std::memory_order_relaxed); task < count_;
       task = next_.fetch_add(1, std::memory_order_relaxed))
    call_(ctx_, task, thread);
}

void ThreadPool::Run(size_t count, Call call, void* ctx, unsigned limit) {
  std::unique_lock<std::mutex> use(use_, std::defer_lock);
  if (workers_.empty() || count <= 1 || limit <= 1 || !use.try_lock()) {
    for (size_t task = 0; task < count; ++task) call(ctx, task, 0);
    return;
  }
  limit_ = limit;  // published with the generation below, as count_ is
  count_ = count;
  call_ = call;
  ctx_ = ctx;
  next_.store(0, std::memory_order_relaxed);
  busy_.store(workers_.size(), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (sleepers_ > 0) wake_.notify_all();
  }
  Drain(0);
  // Every worker leaves the loop before the next one is set up (the fields above are reused).
  for (unsigned spins = 0; busy_.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins < 4096) {
      Relax();
    } else {
      std::this_thread::yield();
    }
  }
}

void ThreadPool::WorkerLoop(unsigned thread) {
  uint64_t seen = 0;
  for (;;) {
    const auto until = std::chrono::steady_clock::now() + kSpin;
    for (unsigned spins = 0;
         generation_.load(std::memory_order_acquire) == seen && !stop_.load(std::memory_order_acquire);
         ++spins) {
      Relax();
      if (spins % 64 == 63 && std::chrono::steady_clock::now() > until) {
        std::unique_lock<std::mutex> lock(mu_);
        ++sleepers_;
        wake_.wait(lock, [&] {
          return stop_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen;
        });
        --sleepers_;
        break;
      }
    }
    if (stop_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    if (thread < limit_) Drain(thread);  // a share's loop: only the threads it may use
    busy_.fetch_sub(1, std::memory_order_release);
  }
}

std::shared_ptr<ThreadPool> SharedThreadPool() {
  static std::mutex mu;
  static std::weak_ptr<ThreadPool> shared;
  std::lock_guard<std::mutex> lock(mu);
  if (std::shared_ptr<ThreadPool> pool = shared.lock()) return pool;
  auto pool = std::make_shared<ThreadPool>(DefaultThreads());
  shared = pool;
  return pool;
}

}  // namespace ruv
