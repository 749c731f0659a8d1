#pragma once

#include <catch2/catch.hpp>

namespace bounced::test {

template <typename T>
T expect_ok(store::Result<T>&& result) {
  if (auto* error = std::get_if<store::StoreError>(&result)) {
    FAIL(error->to_string());
  }
  return std::get<T>(std::move(result));
}

}  // namespace bounced::test
