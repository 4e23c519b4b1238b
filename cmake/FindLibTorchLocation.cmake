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
  endforeach()
endif()

if(NOT TORCHNODE_LIBTORCH_SOURCE)
  set(TORCHNODE_LIBTORCH_SOURCE "system")
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
