# Finds LibTorch in the documented order and fails with instructions when there is none:
#   1. the LIBTORCH environment variable (a pytorch.org zip, or any prefix);
#   2. a Python torch install (torch.utils.cmake_prefix_path);
#   3. the system (Debian's libtorch-dev).
# Sets TORCHNODE_LIBTORCH_SOURCE to say which one won.

set(_torch_hint "")
if(DEFINED ENV{LIBTORCH} AND NOT "$ENV{LIBTORCH}" STREQUAL "")
  foreach(_sub share/cmake/Torch lib/cmake/Torch)
    if(EXISTS "$ENV{LIBTORCH}/${_sub}/TorchConfig.cmake")
      set(Torch_DIR "$ENV{LIBTORCH}/${_sub}" CACHE PATH "" FORCE)
      set(TORCHNODE_LIBTORCH_SOURCE "LIBTORCH=$ENV{LIBTORCH}")
    endif()
  endforeach()
  if(NOT TORCHNODE_LIBTORCH_SOURCE)
    message(FATAL_ERROR "LIBTORCH is set to '$ENV{LIBTORCH}', but neither share/cmake/Torch nor "
                        "lib/cmake/Torch with a TorchConfig.cmake exists under it.")
  endif()
endif()

if(NOT TORCHNODE_LIBTORCH_SOURCE)
  set(_pythons "$ENV{TORCHNODE_PYTHON}" python3 /usr/bin/python3 python)
  foreach(_py ${_pythons})
    if(_py STREQUAL "")
      continue()
    endif()
    execute_process(
      COMMAND ${_py} -c "import torch.utils, os; p = torch.utils.cmake_prefix_path; print(p if os.path.exists(os.path.join(p, 'Torch', 'TorchConfig.cmake')) else '')"
      OUTPUT_VARIABLE _py_prefix OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _py_rc)
    if(_py_rc EQUAL 0 AND NOT "${_py_prefix}" STREQUAL "")
      set(Torch_DIR "${_py_prefix}/Torch" CACHE PATH "" FORCE)
      set(TORCHNODE_LIBTORCH_SOURCE "Python torch (${_py})")
      break()
    endif()
    if(_py STREQUAL "$ENV{TORCHNODE_PYTHON}")
      # A named interpreter that cannot give its LibTorch must not fall back to another LibTorch.
      message(FATAL_ERROR "torchnode: TORCHNODE_PYTHON is '${_py}', but it gives no torch with a CMake config "
                          "(torch.utils.cmake_prefix_path). Use an absolute path to a Python with torch installed.")
    endif()
  endforeach()
endif()

if(NOT TORCHNODE_LIBTORCH_SOURCE)
  set(TORCHNODE_LIBTORCH_SOURCE "system")
  unset(Torch_DIR CACHE)  # not one an earlier configure was pointed at
endif()

# TorchConfig.cmake finds its libraries with find_library(... PATHS <prefix>/lib), and CMake
# searches the system folders before PATHS: with Debian's libtorch-dev installed, a pip or zip
# LibTorch's headers were linked against Debian's 1.13 libraries. Searching the chosen prefix
# first, and forgetting what an earlier configure found for another LibTorch, keeps headers and
# libraries from the same LibTorch.
get_filename_component(_torch_prefix_guess "${Torch_DIR}/../../.." ABSOLUTE)
if(NOT "${Torch_DIR}" STREQUAL "${TORCHNODE_CONFIGURED_TORCH_DIR}")
  foreach(_cached TORCH_LIBRARY c10_LIBRARY kineto_LIBRARY C10_CUDA_LIBRARY CAFFE2_NVRTC_LIBRARY
                  torch_LIBRARY torch_cpu_LIBRARY Caffe2_DIR)
    unset(${_cached} CACHE)
  endforeach()
  set(TORCHNODE_CONFIGURED_TORCH_DIR "${Torch_DIR}" CACHE INTERNAL "Torch_DIR of the last configure")
endif()
if(Torch_DIR)
  list(PREPEND CMAKE_PREFIX_PATH "${_torch_prefix_guess}")
endif()

# A CUDA LibTorch's config looks for the CUDA toolkit through nvcc's folder; an nvcc linked into
# /usr/local/bin would make that /usr/local. CUDA_HOME (or CUDA_PATH), else /usr/local/cuda, is
# the toolkit's root, as PyTorch's own extension builder assumes.
if(NOT CUDA_TOOLKIT_ROOT_DIR)
  foreach(_cuda_root "$ENV{CUDA_HOME}" "$ENV{CUDA_PATH}" /usr/local/cuda)
    if(NOT "${_cuda_root}" STREQUAL "" AND EXISTS "${_cuda_root}/include/cuda_runtime_api.h")
      set(CUDA_TOOLKIT_ROOT_DIR "${_cuda_root}")
      break()
    endif()
  endforeach()
endif()
# pip's CUDA LibTorch brings NVRTC in an nvidia-* wheel beside torch, with a versioned name only
# (libnvrtc.so.13), which find_library does not match.
if(Torch_DIR AND NOT CUDA_nvrtc_LIBRARY)
  file(GLOB _nvrtc "${_torch_prefix_guess}/../nvidia/*/lib/libnvrtc.so.[0-9]*")
  if(_nvrtc)
    list(GET _nvrtc 0 _nvrtc)
    set(CUDA_nvrtc_LIBRARY "${_nvrtc}" CACHE FILEPATH "NVRTC from the nvidia wheel beside torch")
  endif()
endif()

find_package(Torch QUIET)
if(NOT Torch_FOUND)
  message(FATAL_ERROR
    "torchnode: no LibTorch found. Get one in any of these ways:\n"
    "  - Debian/Ubuntu: sudo apt-get install libtorch-dev libopenblas0-pthread\n"
    "    (or run: bash scripts/setup.sh)\n"
    "  - the C++ zip from pytorch.org, unpacked anywhere: export LIBTORCH=/path/to/libtorch\n"
    "  - pip install torch (its bundled LibTorch is found through Python)\n")
endif()

# Every LibTorch library linked must come from the LibTorch whose headers are used.
function(torchnode_check_same_libtorch)
  get_filename_component(_prefix "${TORCH_INSTALL_PREFIX}" REALPATH)
  set(_libs "")
  foreach(_item ${TORCH_LIBRARIES})
    if(TARGET ${_item})
      foreach(_prop IMPORTED_LOCATION IMPORTED_LOCATION_RELEASE IMPORTED_LOCATION_RELWITHDEBINFO IMPORTED_LOCATION_NOCONFIG)
        get_target_property(_loc ${_item} ${_prop})
        if(_loc)
          list(APPEND _libs "${_loc}")
        endif()
      endforeach()
      get_target_property(_deps ${_item} INTERFACE_LINK_LIBRARIES)
      foreach(_d ${_deps})
        if(TARGET ${_d})
          get_target_property(_dloc ${_d} IMPORTED_LOCATION)
          if(_dloc)
            list(APPEND _libs "${_dloc}")
          endif()
        elseif(IS_ABSOLUTE "${_d}")
          list(APPEND _libs "${_d}")
        endif()
      endforeach()
    elseif(IS_ABSOLUTE "${_item}")
      list(APPEND _libs "${_item}")
    endif()
  endforeach()
  foreach(_lib ${_libs})
    get_filename_component(_name "${_lib}" NAME)
    if(_name MATCHES "^lib(torch|torch_cpu|torch_cuda|torch_global_deps|c10|c10_cuda|kineto)[.]")
      get_filename_component(_real "${_lib}" REALPATH)
      string(FIND "${_real}" "${_prefix}/" _at)
      if(NOT _at EQUAL 0)
        message(FATAL_ERROR "torchnode: LibTorch ${Torch_VERSION} at ${TORCH_INSTALL_PREFIX} would link ${_real}, "
                            "which belongs to another LibTorch. Remove the build folder and configure again.")
      endif()
    endif()
  endforeach()
endfunction()
torchnode_check_same_libtorch()
