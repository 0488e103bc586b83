// The bytes of a whole file, read-only, for a loader that parses them once and lets them go.
//
// The file is mapped (MAP_POPULATE: the kernel maps its cached pages in one pass) rather than
// read into a buffer: for a 170 MB memory snapshot, read() spent as long copying and faulting in
// the fresh buffer as the core spent parsing it. When mapping is refused (a file system without
// mmap), the file is read into memory instead.
//
// A mapping fails with SIGBUS if another process shrinks the file while it is mapped; the
// stores this loads are held under an exclusive lock by their one writer, which replaces a file
// by renaming a new one over it (the mapped inode stays whole), never by truncating it.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>

namespace ruv_node {

class FileBytes {
 public:
  FileBytes() = default;
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;
  ~FileBytes() { Release(); }

  // Opens `path` and makes its bytes available. Returns 0, or the errno of what failed (ENOMEM
  // when the bytes cannot be held).
  int Load(const std::string& path) {
    Release();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    const int err = LoadFrom(fd);
    ::close(fd);
    if (err != 0) Release();
    return err;
  }

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

  // Gives the bytes back (unmaps or frees them); data() is null after.
  void Release() {
    if (mapped_) ::munmap(const_cast<uint8_t*>(data_), size_);
    copy_.reset();
    data_ = nullptr;
    size_ = 0;
    mapped_ = false;
  }

 private:
  int LoadFrom(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return errno;
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) {
      data_ = reinterpret_cast<const uint8_t*>("");
      return 0;
    }
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (p != MAP_FAILED) {
      data_ = static_cast<const uint8_t*>(p);
      mapped_ = true;
      return 0;
    }
    copy_.reset(new (std::nothrow) uint8_t[size_]);  // not zeroed: read() fills it
    if (!copy_) return ENOMEM;
    size_t done = 0;
    while (done < size_) {
      const ssize_t n = ::read(fd, copy_.get() + done, size_ - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno;
      if (n == 0) return EIO;  // the file shrank while it was read
      done += static_cast<size_t>(n);
    }
    data_ = copy_.get();
    return 0;
  }

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  std::unique_ptr<uint8_t[]> copy_;
};

}  // namespace ruv_node
