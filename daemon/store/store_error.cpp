#include "store_error.hpp"

namespace bounced::store {

std::string StoreError::to_string() const {
  switch (kind) {
    case Kind::connection:
      return "database unavailable: " + message;
    case Kind::sql:
      return "database error: " + message;
    case Kind::input:
      return message;
    case Kind::setup:
      return message;
  }
  return message;
}

}  // namespace bounced::store
