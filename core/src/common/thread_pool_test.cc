#include "common/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ruv {
namespace {

// Every task runs exactly once, on a thread numbered below size(), on every pool size.
TEST(ThreadPoolTest, EveryTaskRunsOnceOnANamedThread) {
  for (unsigned threads : {0u, 1u, 2u, 3u, 8u}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads <= 1 ? 1u : threads);
    for (size_t count : {size_t{0}, size_t{1}, size_t{2}, size_t{7}, size_t{1000}}) {
      std::vector<std::atomic<int>> runs(count);
      std::vector<std::atomic<int>> by_thread(pool.size());
      pool.ParallelFor(count, [&](size_t task, unsigned thread) {
        runs[task].fetch_add(1);
        ASSERT_LT(thread, pool.size());
        by_thread[thread].fetch_add(1);
      });
      for (size_t i = 0; i < count; ++i)
        ASSERT_EQ(runs[i].load(), 1) << "threads " << threads << " task " << i;
      int total = 0;
      for (auto& n : by_thread) total += n.load();
      EXPECT_EQ(total, static_cast<int>(count));
    }
  }
}

// The workers take part: with tasks that wait for each other, a loop of size() tasks finishes
// only if every thread runs one at the same time.
TEST(ThreadPoolTest, WorkersRunTasksBesideTheCaller) {
  ThreadPool pool(3);
  std::atomic<int> arrived{0};
  std::vector<unsigned> thread_of(3);
  pool.ParallelFor(3, [&](size_t task, unsigned thread) {
    thread_of[task] = thread;
    arrived.fetch_add(1);
    while (arrived.load() < 3) std::this_thread::yield();
  });
  std::sort(thread_of.begin(), thread_of.end());
  EXPECT_EQ(thread_of, (std::vector<unsigned>{0, 1, 2}));
}

// A task that throws ends the process on the caller too, as on a worker: unwinding the caller's
// frame while workers still run its loop would leave them a dangling one.
TEST(ThreadPoolTest, ATaskThatThrowsOnTheCallerTerminates) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (unsigned threads : {1u, 2u}) {
    EXPECT_DEATH(
        {
          ThreadPool pool(threads);
          pool.ParallelFor(1000, [](size_t, unsigned thread) {
            if (thread == 0) throw std::runtime_error("a task threw");
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          });
          std::fprintf(stderr, "ParallelFor returned\n");
        },
        "")
        << threads << " threads";
  }
}

// Two callers at once: the second runs its loop on itself, as thread 0; both loops complete.
TEST(ThreadPoolTest, ConcurrentCallersBothComplete) {
  ThreadPool pool(2);
  std::atomic<long> sum{0};
  auto loop = [&] {
    for (int round = 0; round < 200; ++round)
      pool.ParallelFor(64, [&](size_t task, unsigned thread) {
        ASSERT_LT(thread, 2u);
        sum.fetch_add(static_cast<long>(task));
      });
  };
  std::thread a(loop), b(loop);
  a.join();
  b.join();
  EXPECT_EQ(sum.load(), 2L * 200 * (63 * 64 / 2));
}

TEST(ThreadPoolTest, DefaultThreadsHonoursRuvectorThreads) {
  const char* before = std::getenv("RUVECTOR_THREADS");
  const std::string saved = before != nullptr ? before : "";
  setenv("RUVECTOR_THREADS", "3", 1);
  EXPECT_EQ(DefaultThreads(), 3u);
  for (const char* bad : {"0", "-2", "two", "3x", ""}) {
    setenv("RUVECTOR_THREADS", bad, 1);
    const unsigned cores = std::thread::hardware_concurrency();
    EXPECT_EQ(DefaultThreads(), cores == 0 ? 1u : cores) << "'" << bad << "'";
  }
  if (before != nullptr) {
    setenv("RUVECTOR_THREADS", saved.c_str(), 1);
  } else {
    unsetenv("RUVECTOR_THREADS");
  }
}

TEST(ThreadPoolTest, SharesRunOnAtMostTheirThreadsOfOnePool) {
  auto pool = std::make_shared<ThreadPool>(3);
  ASSERT_EQ(pool->size(), 3u);
  ThreadPool two(pool, 2);
  ThreadPool one(pool, 1);
  ThreadPool many(pool, 8);
  EXPECT_EQ(two.size(), 2u);
  EXPECT_EQ(one.size(), 1u);
  EXPECT_EQ(many.size(), 3u) << "no more than the pool has";
  for (ThreadPool* share : {&two, &one, &many}) {
    std::vector<std::atomic<int>> hits(256);
    std::vector<std::atomic<int>> by_thread(8);
    share->ParallelFor(hits.size(), [&](size_t i, unsigned thread) {
      hits[i]++;
      by_thread[thread]++;
      std::this_thread::sleep_for(std::chrono::microseconds(20));  // let every thread take some
    });
    for (const auto& h : hits) EXPECT_EQ(h.load(), 1);
    for (unsigned t = share->size(); t < by_thread.size(); ++t)
      EXPECT_EQ(by_thread[t].load(), 0) << "thread " << t << " of a share of " << share->size();
  }
  // The shares keep the pool alive.
  std::weak_ptr<ThreadPool> held = pool;
  pool.reset();
  EXPECT_FALSE(held.expired());
}

TEST(ThreadPoolTest, SharedPoolIsOneWhileHeld) {
  std::shared_ptr<ThreadPool> a = SharedThreadPool();
  std::shared_ptr<ThreadPool> b = SharedThreadPool();
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(a->size(), DefaultThreads());
  a.reset();
  b.reset();
  std::weak_ptr<ThreadPool> gone = SharedThreadPool();
  EXPECT_TRUE(gone.expired()) << "a pool nobody holds is stopped and freed";
}

}  // namespace
}  // namespace ruv
