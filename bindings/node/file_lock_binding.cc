// An OS file lock for stores on disk (SemanticMemory's `path`), which Node has no API for:
//   lockFile(path): number   -- opens (creating) `path` and takes flock(LOCK_EX | LOCK_NB) on it;
//                               throws an Error with code 'LOCKED' when another process holds it
//   unlockFile(fd)            -- closes the file, which releases the lock
// flock rather than a PID file: the kernel drops the lock when its holder dies (kill -9
// included), so a crashed writer never blocks the next open. POSIX only (Linux, macOS).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "binding_util.h"

namespace ruv_node {
namespace {

Napi::Value LockFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "lockFile: expected a path");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw ErrnoError(env, errno, "cannot open " + path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err != EWOULDBLOCK) throw ErrnoError(env, err, "flock");
    Napi::Error e = Napi::Error::New(env, "held by another process");
    e.Set("code", Napi::String::New(env, "LOCKED"));
    throw e;
  }
  return Napi::Number::New(env, fd);
}

void UnlockFile(const Napi::CallbackInfo& info) { ::close(Int32Arg(info, 0)); }

}  // namespace

void RegisterFileLock(Napi::Env env, Napi::Object exports) {
  exports.Set("lockFile", Napi::Function::New<LockFile>(env, "lockFile"));
  exports.Set("unlockFile", Napi::Function::New<UnlockFile>(env, "unlockFile"));
}

}  // namespace ruv_node
