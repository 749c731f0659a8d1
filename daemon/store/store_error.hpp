// What a store operation can fail with, as a value: callers decide whether to retry, stop, or
// leave the mail unacknowledged. libpqxx exceptions are turned into this inside daemon/store/.
#pragma once

#include <string>
#include <variant>

namespace bounced::store {

struct StoreError {
  enum class Kind {
    connection,  // the server went away or could not be reached: nothing of the batch is committed
    sql,         // the server refused a statement: a bug or a schema mismatch
    input,       // the data handed to the store was unusable
    setup,       // embedded cluster, schema directory, ...
  };
  Kind kind = Kind::sql;
  std::string message;

  std::string to_string() const;
};

// A value or the reason there is none.
template <typename T>
using Result = std::variant<T, StoreError>;

struct Done {};
using Status = Result<Done>;

inline bool ok(const Status& status) {
  return std::holds_alternative<Done>(status);
}

}  // namespace bounced::store
