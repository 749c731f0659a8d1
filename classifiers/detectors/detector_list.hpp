// The detectors the parser asks, in the order that breaks ties between equally sure claims.
#pragma once

#include <memory>
#include <vector>

#include "detector.hpp"

namespace bounced::classifiers {

using DetectorList = std::vector<std::unique_ptr<const Detector>>;

DetectorList standard_detectors();

}  // namespace bounced::classifiers
