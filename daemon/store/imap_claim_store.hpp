// Claims on IMAP messages (schema/020_imap_claims.sql), so several daemons can drain one folder
// and each message is taken by exactly one of them at a time.
//
// The IMAP source runs on its own thread and must keep running while PostgreSQL is away, so this
// store owns its connection: it connects on first use and, after a lost connection, on the next
// call. Every call is one short transaction; a StoreError of kind `connection` means "try later".
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "database.hpp"

namespace bounced::store {

// A folder's UID space: claims in another UIDVALIDITY never match.
struct ImapMailbox {
  std::string account;
  std::string folder;
  std::uint32_t uidvalidity = 0;
};

class ImapClaimStore {
 public:
  // owner: unique per running source (see make_claim_owner); lease: how long a claim holds
  // without renewal before another daemon may take the message over.
  ImapClaimStore(std::string conninfo, std::string owner, std::chrono::seconds lease);
  ~ImapClaimStore();
  ImapClaimStore(const ImapClaimStore&) = delete;
  ImapClaimStore& operator=(const ImapClaimStore&) = delete;

  // Claims what it can of `uids` for this owner; returns the UIDs now held, ascending. A UID
  // held by a live claim of another owner is left out; an expired claim, or one of this owner
  // left behind by a failed release, is replaced.
  Result<std::vector<std::uint32_t>> claim(const ImapMailbox& mailbox,
                                           const std::vector<std::uint32_t>& uids);

  // Extends every open claim of this owner by the lease. Returns how many there are.
  Result<std::size_t> renew();

  // The messages left the folder after their commit: their claims become done markers that
  // keep every daemon off these UIDs for `done_retention`, however late its view of the folder.
  Status complete(const ImapMailbox& mailbox, const std::vector<std::uint32_t>& uids,
                  std::chrono::seconds done_retention = std::chrono::hours(24));

  // Drops this owner's open claims on `uids` (given back untouched: anyone may take them).
  Status release(const ImapMailbox& mailbox, const std::vector<std::uint32_t>& uids);

  // Deletes rows (of any owner) that expired more than an hour ago. Returns how many.
  Result<std::size_t> purge_expired();

  // Drops this owner's claims on the folder under any other UIDVALIDITY (after a change).
  Status release_other_uidvalidities(const ImapMailbox& mailbox);

  const std::string& owner() const { return owner_; }

 private:
  // The connection, opened if there is none; a StoreError when the server cannot be reached.
  Result<Database*> database();
  // Forgets the connection after a connection error so the next call opens a new one.
  template <typename T>
  Result<T> checked(Result<T> result);

  std::string conninfo_;
  std::string owner_;
  std::chrono::seconds lease_;
  std::unique_ptr<Database> database_;
};

// "host:pid:source:random": unique across machines, processes and sources of one process.
std::string make_claim_owner(const std::string& source_name);

}  // namespace bounced::store
