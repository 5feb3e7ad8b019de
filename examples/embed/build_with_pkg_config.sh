#!/bin/sh
# Builds main.cpp without CMake, from sluice.pc: PKG_CONFIG_PATH=<prefix>/lib/pkgconfig.
c++ -std=c++20 -o "${1:-embed}" "$(dirname "$0")/main.cpp" $(pkg-config --cflags --libs sluice)
