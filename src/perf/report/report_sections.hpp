// The report's sections rendered from its data: tables for people, Markdown, charts.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tinyaccel/report.hpp"

namespace tinyaccel::perf {

// A chart of a section: written as out_dir/NAME.svg and NAME.png by `write(path)`.
struct Chart {
  std::string name, title;
  std::function<void(const std::string& path)> write;
};

// For a section that ran and succeeded (its field in `report` is set).
std::string section_text(const Report& report, const std::string& section);
// Markdown for the section, its charts' image lines included where report.plots lists them.
std::string section_markdown(const Report& report, const std::string& section);
std::vector<Chart> section_charts(const Report& report, const std::string& section);

}  // namespace tinyaccel::perf
