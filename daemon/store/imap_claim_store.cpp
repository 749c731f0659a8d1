#include "imap_claim_store.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "pq.hpp"
#include "store_tx.hpp"

namespace bounced::store {

namespace {

std::vector<std::string> uid_texts(const std::vector<std::uint32_t>& uids) {
  std::vector<std::string> texts;
  texts.reserve(uids.size());
  for (std::uint32_t uid : uids) texts.push_back(std::to_string(uid));
  return texts;
}

std::string lease_interval(std::chrono::seconds lease) {
  return std::to_string(lease.count()) + " seconds";
}

}  // namespace

ImapClaimStore::ImapClaimStore(std::string conninfo, std::string owner, std::chrono::seconds lease)
    : conninfo_(std::move(conninfo)), owner_(std::move(owner)), lease_(lease) {}

ImapClaimStore::~ImapClaimStore() = default;

Result<Database*> ImapClaimStore::database() {
  if (!database_) {
    auto connected = Database::connect(conninfo_);
    if (auto* error = std::get_if<StoreError>(&connected)) return *error;
    database_ = std::get<std::unique_ptr<Database>>(std::move(connected));
  }
  return database_.get();
}

template <typename T>
Result<T> ImapClaimStore::checked(Result<T> result) {
  if (auto* error = std::get_if<StoreError>(&result);
      error && error->kind == StoreError::Kind::connection) {
    database_.reset();
  }
  return result;
}

Result<std::vector<std::uint32_t>> ImapClaimStore::claim(const ImapMailbox& mailbox,
                                                         const std::vector<std::uint32_t>& uids) {
  std::vector<std::uint32_t> held;
  if (uids.empty()) return held;
  auto db = database();
  if (auto* error = std::get_if<StoreError>(&db)) return *error;
  const std::string uid_array = detail::pg_text_array(uid_texts(uids));
  Status status = detail::in_transaction(*std::get<Database*>(db), [&](pqxx::work& tx) {
    // A dead owner's claims (and our own leftovers) are deleted first; the insert then races
    // fairly: of two daemons inserting the same key, the second finds the first's row (or
    // waits for its transaction) and DO NOTHING leaves the message to the first.
    tx.exec_params(
        "DELETE FROM imap_claims WHERE account = $1 AND folder = $2 AND uidvalidity = $3"
        " AND uid = ANY($4::bigint[]) AND (expires_at < now() OR (owner = $5 AND NOT done))",
        mailbox.account, mailbox.folder, static_cast<long long>(mailbox.uidvalidity), uid_array,
        owner_);
    auto rows = tx.exec_params(
        "INSERT INTO imap_claims (account, folder, uidvalidity, uid, owner, expires_at)"
        " SELECT $1, $2, $3, u, $5, now() + $6::interval FROM unnest($4::bigint[]) u"
        " ON CONFLICT (account, folder, uidvalidity, uid) DO NOTHING RETURNING uid",
        mailbox.account, mailbox.folder, static_cast<long long>(mailbox.uidvalidity), uid_array,
        owner_, lease_interval(lease_));
    for (const auto& row : rows) held.push_back(static_cast<std::uint32_t>(row[0].as<long long>()));
  });
  if (!ok(status)) return checked<std::vector<std::uint32_t>>(std::get<StoreError>(status));
  std::sort(held.begin(), held.end());
  return held;
}

Result<std::size_t> ImapClaimStore::renew() {
  auto db = database();
  if (auto* error = std::get_if<StoreError>(&db)) return *error;
  std::size_t renewed = 0;
  Status status = detail::in_transaction(*std::get<Database*>(db), [&](pqxx::work& tx) {
    renewed = static_cast<std::size_t>(
        tx.exec_params("UPDATE imap_claims SET expires_at = now() + $2::interval"
                       " WHERE owner = $1 AND NOT done",
                       owner_, lease_interval(lease_))
            .affected_rows());
  });
  if (!ok(status)) return checked<std::size_t>(std::get<StoreError>(status));
  return renewed;
}

Status ImapClaimStore::release(const ImapMailbox& mailbox, const std::vector<std::uint32_t>& uids) {
  if (uids.empty()) return Done{};
  auto db = database();
  if (auto* error = std::get_if<StoreError>(&db)) return *error;
  Status status = detail::in_transaction(*std::get<Database*>(db), [&](pqxx::work& tx) {
    tx.exec_params(
        "DELETE FROM imap_claims WHERE account = $1 AND folder = $2 AND uidvalidity = $3"
        " AND uid = ANY($4::bigint[]) AND owner = $5 AND NOT done",
        mailbox.account, mailbox.folder, static_cast<long long>(mailbox.uidvalidity),
        detail::pg_text_array(uid_texts(uids)), owner_);
  });
  return checked<Done>(std::move(status));
}

Status ImapClaimStore::complete(const ImapMailbox& mailbox, const std::vector<std::uint32_t>& uids,
                                std::chrono::seconds done_retention) {
  if (uids.empty()) return Done{};
  auto db = database();
  if (auto* error = std::get_if<StoreError>(&db)) return *error;
  Status status = detail::in_transaction(*std::get<Database*>(db), [&](pqxx::work& tx) {
    tx.exec_params(
        "UPDATE imap_claims SET done = true, expires_at = now() + $6::interval"
        " WHERE account = $1 AND folder = $2 AND uidvalidity = $3 AND uid = ANY($4::bigint[])"
        " AND owner = $5",
        mailbox.account, mailbox.folder, static_cast<long long>(mailbox.uidvalidity),
        detail::pg_text_array(uid_texts(uids)), owner_, lease_interval(done_retention));
  });
  return checked<Done>(std::move(status));
}

Result<std::size_t> ImapClaimStore::purge_expired() {
  auto db = database();
  if (auto* error = std::get_if<StoreError>(&db)) return *error;
  std::size_t purged = 0;
  Status status = detail::in_transaction(*std::get<Database*>(db), [&](pqxx::work& tx) {
    purged = static_cast<std::size_t>(
        tx.exec("DELETE FROM imap_claims WHERE expires_at < now() - interval '1 hour'")
            .affected_rows());
  });
  if (!ok(status)) return checked<std::size_t>(std::get<StoreError>(status));
  return purged;
}

Status ImapClaimStore::release_other_uidvalidities(const ImapMailbox& mailbox) {
  auto db = database();
  if (auto* error = std::get_if<StoreError>(&db)) return *error;
  Status status = detail::in_transaction(*std::get<Database*>(db), [&](pqxx::work& tx) {
    tx.exec_params(
        "DELETE FROM imap_claims WHERE account = $1 AND folder = $2 AND uidvalidity <> $3"
        " AND owner = $4",
        mailbox.account, mailbox.folder, static_cast<long long>(mailbox.uidvalidity), owner_);
  });
  return checked<Done>(std::move(status));
}

std::string make_claim_owner(const std::string& source_name) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device random;
  const unsigned long long nonce =
      (static_cast<unsigned long long>(random()) << 32) | static_cast<unsigned long long>(random());
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", nonce);
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + source_name + ":" + hex;
}

}  // namespace bounced::store
