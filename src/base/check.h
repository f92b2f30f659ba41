// CHECK: an invariant whose violation means continuing would move money wrongly. It stops the
// process in every build type (unlike assert, which Release builds drop).
#pragma once

#include <cstdio>
#include <cstdlib>

#define CORRIDOR_CHECK(cond)                                                              \
  do {                                                                                    \
    if (__builtin_expect(!(cond), 0)) {                                                   \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)
