// Internal to daemon/store/: the libpqxx connection behind a Database and the one place where
// libpqxx exceptions become StoreError values. Nothing outside daemon/store/ includes this.
#pragma once

#include <chrono>
#include <pqxx/pqxx>
#include <string>

#include "database.hpp"
#include "store_error.hpp"

namespace bounced::store::detail {

pqxx::connection& connection(Database& database);

// Runs body(tx) in one transaction and commits. Any libpqxx exception becomes a StoreError;
// broken_connection is caught first because it derives from failure, like sql_error, and means
// something different to the caller (retry later, nothing was written).
template <typename Body>
Status in_transaction(Database& database, Body&& body) {
  try {
    pqxx::work tx(connection(database));
    body(tx);
    tx.commit();
    return Done{};
  } catch (const pqxx::broken_connection& error) {
    return StoreError{StoreError::Kind::connection,
                      std::string("database connection lost: ") + error.what()};
  } catch (const pqxx::in_doubt_error& error) {
    return StoreError{StoreError::Kind::connection,
                      std::string("database connection lost during commit: ") + error.what()};
  } catch (const pqxx::sql_error& error) {
    return StoreError{StoreError::Kind::sql,
                      std::string(error.what()) + " [" + error.query() + "]"};
  } catch (const pqxx::failure& error) {
    return StoreError{StoreError::Kind::connection, error.what()};
  } catch (const pqxx::usage_error& error) {
    return StoreError{StoreError::Kind::sql, std::string("bounced bug: ") + error.what()};
  } catch (const StoreError& error) {
    return error;
  }
}

// "YYYY-MM-DD HH:MM:SS+00" for a timestamptz parameter.
std::string pg_time(std::chrono::sys_seconds time);
std::chrono::sys_seconds parse_pg_time(const std::string& text);

}  // namespace bounced::store::detail
