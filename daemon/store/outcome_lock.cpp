// The outcome lock (see store_tx.hpp): one PostgreSQL advisory lock shared by every process
// that joins bounces to sends or decides suppressions. The key pair is bounced's own: classid
// "boun" in ASCII, objid 1.
#include "pq.hpp"
#include "store_tx.hpp"

namespace bounced::store::detail {

void lock_outcomes(pqxx::work& tx) {
  tx.exec("SELECT pg_advisory_xact_lock(1651469678, 1)");
}

}  // namespace bounced::store::detail
