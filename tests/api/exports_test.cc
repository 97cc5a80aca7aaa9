// The shared library exports its public API and nothing else: every dynamic symbol it defines
// is in namespace tinyaccel, outside the internal namespaces, and each part of its name is
// spelled in include/tinyaccel/.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> exported_symbols() {
  const std::string command =
      std::string("nm -D --defined-only -C '") + TINYACCEL_LIBRARY + "' 2>/dev/null";
  std::vector<std::string> names;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return names;
  char line[4096];
  while (fgets(line, sizeof line, pipe) != nullptr) {
    std::string s(line);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    // "<address> <type> <name>"
    const size_t first = s.find(' '), second = s.find(' ', first + 1);
    if (second != std::string::npos) names.push_back(s.substr(second + 1));
  }
  pclose(pipe);
  return names;
}

std::string public_headers() {
  std::string text;
  const std::string dir = std::string(TINYACCEL_SOURCE_DIR) + "/include/tinyaccel";
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    text += ss.str();
  }
  return text;
}

// The qualified name without parameters, template arguments or prefixes like "vtable for ".
std::string qualified_name(std::string symbol) {
  for (const char* prefix : {"typeinfo name for ", "typeinfo for ", "vtable for ", "VTT for ",
                             "non-virtual thunk to ", "virtual thunk to ",
                             "guard variable for "}) {
    if (symbol.rfind(prefix, 0) == 0) symbol = symbol.substr(std::string(prefix).size());
  }
  // A function template's name starts with its return type ("float* tinyaccel::Tensor::data<
  // float>()", "tinyaccel::BFloat16* tinyaccel::..."): drop what precedes the last space outside
  // template arguments before the parameter list (operator names keep theirs).
  int depth = 0;
  size_t cut = std::string::npos;
  for (size_t i = 0; i < symbol.size() && !(symbol[i] == '(' && depth == 0); ++i) {
    if (symbol[i] == '<') ++depth;
    if (symbol[i] == '>') --depth;
    if (symbol[i] == ' ' && depth == 0) cut = i;
  }
  if (cut != std::string::npos && symbol.compare(cut + 1, 11, "tinyaccel::") == 0 &&
      symbol.substr(0, cut).find("operator") == std::string::npos) {
    symbol = symbol.substr(cut + 1);
  }
  for (size_t tag; (tag = symbol.find("[abi:")) != std::string::npos;) {
    symbol.erase(tag, symbol.find(']', tag) + 1 - tag);
  }
  std::string out;
  int angle = 0;
  for (const char c : symbol) {
    if (c == '(' && angle == 0 && out.find("operator") == std::string::npos) break;
    if (c == '<') ++angle;
    if (angle == 0) out.push_back(c);
    if (c == '>') --angle;
  }
  return out;
}

bool contains_word(const std::string& text, const std::string& word) {
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const size_t end = at + word.size();
    if ((at == 0 || !is_word(text[at - 1])) && (end == text.size() || !is_word(text[end]))) {
      return true;
    }
  }
  return false;
}

TEST(Exports, OnlyThePublicApi) {
  const std::vector<std::string> symbols = exported_symbols();
  ASSERT_GT(symbols.size(), 100u) << "nm -D found no symbols in " << TINYACCEL_LIBRARY;
  const std::string headers = public_headers();
  const std::set<std::string> linker = {"_init", "_fini", "__bss_start", "_edata", "_end"};
  const std::regex internal("^tinyaccel::(gemm|elementwise|core|sysinfo|io|perf|python|"
                            "nn::detail)::");
  std::set<std::string> seen;
  for (const std::string& symbol : symbols) {
    if (linker.count(symbol) || symbol.rfind("TINYACCEL", 0) == 0) continue;
    const std::string name = qualified_name(symbol);
    seen.insert(name);
    EXPECT_EQ(name.rfind("tinyaccel::", 0), 0u) << "not in namespace tinyaccel: " << symbol;
    EXPECT_FALSE(std::regex_search(name, internal)) << "internal: " << symbol;
    EXPECT_EQ(symbol.find("(anonymous namespace)"), std::string::npos) << symbol;
    std::stringstream parts(name);
    std::string part;
    while (std::getline(parts, part, ':')) {
      if (part.empty() || part.rfind("operator", 0) == 0) continue;
      if (part[0] == '~') part = part.substr(1);
      EXPECT_TRUE(contains_word(headers, part))
          << "'" << part << "' of " << symbol << " is not in include/tinyaccel/";
    }
  }
  for (const char* expected : {"tinyaccel::matmul", "tinyaccel::Tensor::Tensor",
                               "tinyaccel::save_npy", "tinyaccel::ShapeError",
                               "tinyaccel::nn::TransformerBlock::forward",
                               "tinyaccel::quote", "tinyaccel::set_num_threads"}) {
    EXPECT_TRUE(seen.count(expected)) << expected << " is not exported";
  }
}

}  // namespace
