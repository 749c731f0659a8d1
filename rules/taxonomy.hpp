// The verdict vocabulary: seven categories and the finer reasons under them, each reason mapped to
// the nearest term of the taxonomies postmasters already use, so exports can speak them too.
// The table is documented for humans in rules/README.md; keep the two in step.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace bounced::rules {

enum class Category { hard, soft, quota, auto_reply, complaint, delivered, unknown };

std::string_view to_string(Category category);
std::optional<Category> parse_category(std::string_view name);

struct ReasonInfo {
  std::string_view name;      // "user_unknown"
  Category category;          // the category a rule with this reason normally has
  std::string_view summary;   // one line for people
  std::string_view rfc3463;   // typical enhanced status, "5.1.1"
  std::string_view ses;       // Amazon SES bounceType/bounceSubType or complaint type
  int sparkpost;              // SparkPost bounce classification code
  std::string_view powermta;  // PowerMTA bounce category
};

std::span<const ReasonInfo> all_reasons();
const ReasonInfo* find_reason(std::string_view name);

}  // namespace bounced::rules
