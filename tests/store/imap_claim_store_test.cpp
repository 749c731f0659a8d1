#include "imap_claim_store.hpp"

#include <catch2/catch.hpp>
#include <thread>

#include "pg_fixture.hpp"

using namespace bounced;
using namespace std::chrono_literals;
using Uids = std::vector<std::uint32_t>;

namespace {

Uids claim(store::ImapClaimStore& claims, const store::ImapMailbox& box, const Uids& uids) {
  return test::expect_ok(claims.claim(box, uids));
}

}  // namespace

TEST_CASE("IMAP claims: one owner per message until released or expired", "[store][imap_claims]") {
  test::TestDatabase database;
  const store::ImapMailbox box{"bounces@mail:993", "INBOX", 1700000000u};
  store::ImapClaimStore a(database.conninfo(), store::make_claim_owner("a"), 300s);
  store::ImapClaimStore b(database.conninfo(), store::make_claim_owner("b"), 300s);
  CHECK(a.owner() != b.owner());

  CHECK(claim(a, box, {1, 2, 3}) == Uids{1, 2, 3});
  CHECK(claim(b, box, {2, 3, 4}) == Uids{4});
  // A UID above 2^31 fits (IMAP UIDs are unsigned 32-bit).
  CHECK(claim(b, box, {4000000000u}) == Uids{4000000000u});
  // Another UIDVALIDITY is another key space.
  CHECK(claim(b, {box.account, box.folder, box.uidvalidity + 1}, {1}) == Uids{1});

  test::expect_ok(a.release(box, {2}));
  CHECK(claim(b, box, {2}) == Uids{2});
  // Claiming again what one holds already is fine (a release that failed earlier).
  CHECK(claim(a, box, {1}) == Uids{1});
  CHECK(test::expect_ok(a.renew()) == 2);  // 1 and 3
  // Done: the message left the folder; nobody may take the UID again, not even its owner.
  test::expect_ok(a.complete(box, {3}));
  CHECK(claim(b, box, {3}).empty());
  CHECK(claim(a, box, {3}).empty());
  CHECK(test::expect_ok(a.renew()) == 1);  // only 1 is still open
  test::expect_ok(b.release_other_uidvalidities(box));
  CHECK(database.count("SELECT 1 FROM imap_claims WHERE uidvalidity <> 1700000000") == 0);
}

TEST_CASE("IMAP claims: a dead owner's claims are taken over once its lease passed",
          "[store][imap_claims]") {
  test::TestDatabase database;
  const store::ImapMailbox box{"acct", "INBOX", 7};
  store::ImapClaimStore dead(database.conninfo(), store::make_claim_owner("dead"), 1s);
  store::ImapClaimStore alive(database.conninfo(), store::make_claim_owner("alive"), 300s);
  CHECK(claim(dead, box, {1, 2}) == Uids{1, 2});
  CHECK(claim(alive, box, {1, 2}).empty());
  std::this_thread::sleep_for(600ms);
  CHECK(test::expect_ok(dead.renew()) == 2);  // a live owner keeps its claims by renewing
  std::this_thread::sleep_for(600ms);
  CHECK(claim(alive, box, {1, 2}).empty());
  std::this_thread::sleep_for(1200ms);  // no renewal: the owner is presumed dead
  CHECK(claim(alive, box, {1, 2}) == Uids{1, 2});
  CHECK(claim(dead, box, {1, 2}).empty());
  // Done markers expire too, and the purge removes what expired an hour ago.
  test::expect_ok(alive.complete(box, {1, 2}, 1s));
  database.scalar("UPDATE imap_claims SET expires_at = now() - interval '2 hours'");
  CHECK(test::expect_ok(alive.purge_expired()) == 2);
  CHECK(database.count("imap_claims") == 0);
}

TEST_CASE("IMAP claims: racing claimers get disjoint sets", "[store][imap_claims]") {
  test::TestDatabase database;
  const store::ImapMailbox box{"acct", "INBOX", 9};
  Uids all;
  for (std::uint32_t uid = 1; uid <= 200; ++uid) all.push_back(uid);
  Uids got[4];
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      store::ImapClaimStore claims(database.conninfo(), store::make_claim_owner("t"), 300s);
      for (std::size_t begin = 0; begin < all.size(); begin += 10) {
        Uids chunk(all.begin() + static_cast<long>(begin),
                   all.begin() + static_cast<long>(begin + 10));
        auto held = claims.claim(box, chunk);
        if (auto* uids = std::get_if<Uids>(&held))
          got[t].insert(got[t].end(), uids->begin(), uids->end());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<std::uint32_t> merged;
  for (auto& uids : got) merged.insert(merged.end(), uids.begin(), uids.end());
  std::sort(merged.begin(), merged.end());
  CHECK(merged == all);
}

TEST_CASE("IMAP claims: an unreachable database is a connection error - and the store reconnects",
          "[store][imap_claims]") {
  test::TestDatabase database;
  const store::ImapMailbox box{"acct", "INBOX", 11};
  store::ImapClaimStore claims(database.conninfo(), store::make_claim_owner("x"), 300s);
  CHECK(claim(claims, box, {1}) == Uids{1});
  REQUIRE(store::ok(test::test_cluster().stop(true)));
  auto failed = claims.claim(box, {2});
  REQUIRE(std::holds_alternative<store::StoreError>(failed));
  CHECK(std::get<store::StoreError>(failed).kind == store::StoreError::Kind::connection);
  REQUIRE(store::ok(test::test_cluster().restart()));
  CHECK(claim(claims, box, {2}) == Uids{2});
}
