// The async machinery of a JS class that wraps one C ABI handle (an HNSW index now, an embedding
// model next): which calls may go ahead, the write FIFO, and free after settle.
//
// - free() is idempotent; during async work it only marks the handle, which is released when the
//   last async call settles. The GC finalizer (the wrap's destructor) frees a handle never freed:
//   an async call holds a reference to the JS object, so none is running then.
// - Async writes run one at a time, in call order, each on a libuv worker.
// - While an async write is pending, a synchronous call throws INVALID_ARGUMENT: it would wait
//   for the core's write lock and block the event loop for the whole write. Lookups the core
//   answers during a write, waiting for one step of it at most (UseForLookup), go ahead.
// - While JS code runs inside a call (a filter predicate), calls into the same handle throw
//   INVALID_ARGUMENT (the core holds the handle; a write would deadlock).
#pragma once

#include <napi.h>

#include <deque>
#include <string>

#include "binding_util.h"

namespace ruv_node {

// How messages name the wrapped class: "HnswIndex: the index was freed".
struct HandleNames {
  const char* cls;       // "HnswIndex"
  const char* noun;      // "index"
  const char* callback;  // "filter predicate"
  const char* write;     // "insertBatchAsync"
};

template <typename T, void (*FreeFn)(T*)>
class AsyncHandle {
 public:
  explicit AsyncHandle(HandleNames names) : names_(names) {}
  ~AsyncHandle() { FreeFn(h_); }
  AsyncHandle(const AsyncHandle&) = delete;
  AsyncHandle& operator=(const AsyncHandle&) = delete;

  // Where a C ABI constructor writes the handle.
  T** out() { return &h_; }
  T* get() const { return h_; }

  // The handle for a call from JS, or throws when the call cannot go ahead now.
  T* Use(Napi::Env env, bool sync) {
    if (freed_ || h_ == nullptr) throw Napi::Error::New(env, Message("the ", names_.noun, " was freed"));
    if (in_callback_) {
      ThrowStatus(env, RUV_INVALID_ARGUMENT,
                  Message("a ", names_.callback, " must not call into its own ", names_.noun).c_str());
    }
    if (sync && pending_writes_ > 0) {
      ThrowStatus(
          env, RUV_INVALID_ARGUMENT,
          Message(names_.write,
                  " is still running; await it before synchronous calls (they would block the event loop "
                  "until it finishes)")
              .c_str());
    }
    return h_;
  }

  // The handle for a synchronous lookup that the core answers while a write runs (it waits for
  // one step of the write at most: the HNSW index's Contains and Stats, lookup_lock.h).
  T* UseForLookup(Napi::Env env) { return Use(env, false); }

  // Marks JS code running inside a call (calls into this handle are refused meanwhile).
  void SetInCallback(bool in) { in_callback_ = in; }

  void Free(Napi::Env env) {
    if (in_callback_) {
      ThrowStatus(env, RUV_INVALID_ARGUMENT,
                  Message("a ", names_.callback, " must not free its own ", names_.noun).c_str());
    }
    if (freed_) return;
    freed_ = true;
    if (pending_ == 0) Release();
  }

  // Called by AsyncCall on the JS thread.
  void Begin(bool write) {
    ++pending_;
    if (write) ++pending_writes_;
  }
  void End(bool write) {
    --pending_;
    if (write) {
      --pending_writes_;
      write_running_ = false;
      StartNextWrite();
    }
    if (freed_ && pending_ == 0) Release();
  }
  void QueueWrite(Napi::AsyncWorker* worker) {
    queued_writes_.push_back(worker);
    StartNextWrite();
  }

 private:
  std::string Message(const char* a, const char* b = "", const char* c = "", const char* d = "") const {
    return std::string(names_.cls) + ": " + a + b + c + d;
  }

  void Release() {
    FreeFn(h_);
    h_ = nullptr;
  }

  void StartNextWrite() {
    if (write_running_ || queued_writes_.empty()) return;
    write_running_ = true;
    Napi::AsyncWorker* next = queued_writes_.front();
    queued_writes_.pop_front();
    next->Queue();
  }

  HandleNames names_;
  T* h_ = nullptr;
  bool freed_ = false;
  bool in_callback_ = false;
  int pending_ = 0;         // async calls not yet settled
  int pending_writes_ = 0;  // of which writes (queued or running)
  bool write_running_ = false;
  std::deque<Napi::AsyncWorker*> queued_writes_;  // async writes not yet handed to libuv, in call order
};

// An Error with `ruvStatus`, as ThrowStatus makes, for rejecting a promise.
inline Napi::Value StatusError(Napi::Env env, int32_t status, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("ruvStatus", Napi::Number::New(env, status));
  return error.Value();
}

// A call on a libuv worker: its promise, and the status and message captured on the worker thread
// (the last error is per thread). Subclasses implement Execute() (calling Capture) and, for a value,
// Result(). Used as is by a call that belongs to no handle yet (a load that makes one).
class DetachedCall : public Napi::AsyncWorker {
 public:
  DetachedCall(Napi::Env env, const char* name)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {}

  // Hands the call to libuv (see Hand) and returns its promise.
  Napi::Promise Start() {
    Napi::Promise promise = deferred_.Promise();
    Hand();
    return promise;
  }

 protected:
  void Capture(int32_t status) {
    status_ = status;
    if (status != RUV_OK) message_ = ruv_last_error_message();
  }
  // A failure found by the binding itself (no core call set the thread's last error).
  void Fail(int32_t status, std::string message) {
    status_ = status;
    message_ = std::move(message);
  }
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }
  // How the call reaches libuv: at once.
  virtual void Hand() { Queue(); }
  // Runs on the JS thread when the call is over, before its promise settles.
  virtual void Settled() {}

 private:
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Settled();
    if (status_ != RUV_OK) {
      deferred_.Reject(StatusError(env, status_, message_));
      return;
    }
    try {
      deferred_.Resolve(Result(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override {
    Settled();
    deferred_.Reject(e.Value());
  }

  Napi::Promise::Deferred deferred_;
  int32_t status_ = RUV_OK;
  std::string message_;
};

// One async call on an AsyncHandle: keeps the JS object alive, counts itself as pending, and
// queues behind the handle's earlier writes when it is a write.
template <typename T, void (*FreeFn)(T*)>
class AsyncCall : public DetachedCall {
 public:
  AsyncCall(Napi::Env env, const char* name, AsyncHandle<T, FreeFn>* owner, Napi::Object self, bool write)
      : DetachedCall(env, name),
        handle_(owner->get()),
        owner_(owner),
        self_(Napi::Persistent(self)),
        write_(write) {
    owner_->Begin(write_);
  }

 protected:
  // A write after the writes queued before it.
  void Hand() override {
    if (write_) {
      owner_->QueueWrite(this);
    } else {
      Queue();
    }
  }
  void Settled() override { owner_->End(write_); }

  T* handle_;  // captured at creation: free() never releases it while this is pending

 private:
  AsyncHandle<T, FreeFn>* owner_;
  Napi::ObjectReference self_;
  bool write_;
};

// A promise already resolved with undefined (an async call with nothing to do).
inline Napi::Promise Resolved(Napi::Env env) {
  Napi::Promise::Deferred done = Napi::Promise::Deferred::New(env);
  done.Resolve(env.Undefined());
  return done.Promise();
}

}  // namespace ruv_node
