// The cache of freed CPU tensor blocks in front of LibTorch's allocator (native/cpu_allocator.cc).
#pragma once

namespace torchnode {

// Installs it as LibTorch's CPU allocator unless TORCHNODE_CPU_CACHE_MB is 0. Once per process.
void installCpuCache();

}  // namespace torchnode
