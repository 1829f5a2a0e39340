// recycling_allocator.h: an allocator for std::allocate_shared that keeps the last
// block it freed on each thread for the next allocation of the same type there. A
// call's objects (ServerCall, ClientCall) are made and dropped once per call, usually on
// one thread: the block of the last call serves the next one without a trip through
// malloc and free. A block freed on another thread becomes that thread's spare.
#ifndef FORKRPC_INTERNAL_RECYCLING_ALLOCATOR_H_
#define FORKRPC_INTERNAL_RECYCLING_ALLOCATOR_H_

#include <cstddef>
#include <new>

namespace forkrpc::internal {

template <class T>
class RecyclingAllocator {
 public:
  using value_type = T;

  RecyclingAllocator() = default;
  template <class U>
  RecyclingAllocator(const RecyclingAllocator<U>&) {}  // NOLINT: rebinding converts

  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    if (n == 1 && spare_ != nullptr) {
      void* block = spare_;
      spare_ = nullptr;
      return static_cast<T*>(block);
    }
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }

  void deallocate(T* block, std::size_t n) {
    if (n == 1 && spare_ == nullptr && !thread_ending_) {
      static thread_local Keeper keeper;  // frees the spare when the thread ends
      spare_ = block;
      return;
    }
    ::operator delete(block);
  }

  template <class U>
  bool operator==(const RecyclingAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const RecyclingAllocator<U>&) const {
    return false;
  }

 private:
  struct Keeper {
    ~Keeper() {
      // A block freed after this (by another thread-local's destructor) goes back to
      // the heap: the flag, trivially destructible, stays readable until the thread is
      // gone.
      thread_ending_ = true;
      ::operator delete(spare_);
      spare_ = nullptr;
    }
  };

  static inline thread_local void* spare_ = nullptr;
  static inline thread_local bool thread_ending_ = false;
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_RECYCLING_ALLOCATOR_H_
