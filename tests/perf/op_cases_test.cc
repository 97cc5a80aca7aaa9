// The op registry (op_cases.hpp): every execution of every op agrees with its scalar reference
// on every tier, dtype and a range of shapes; every declared cost is the elementwise.hpp
// function the case names; the names front ends accept are unique and listed in errors.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <tinyaccel/elementwise.hpp>
#include <tinyaccel/op_cases.hpp>

#include "elementwise/elementwise_test_support.hpp"

namespace tinyaccel {
namespace {

using testing::IsaGuard;
using testing::runnable_isas;

void expect_close(const OpOutputs& got, const OpOutputs& ref, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), ref.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    testing::expect_close(got[i], ref[i], tol, what + " output " + std::to_string(i));
  }
}

TEST(OpCases, NamesAreUniqueAndFound) {
  std::set<std::string> names;
  for (const OpCase& op : op_cases()) {
    EXPECT_TRUE(names.insert(op.name).second) << op.name;
    EXPECT_EQ(&find_op_case(op.name), &op);
    EXPECT_TRUE(op.fused) << op.name;
    EXPECT_TRUE(op.cost) << op.name;
    EXPECT_FALSE(op.formula.empty()) << op.name;
  }
  EXPECT_EQ(fusion_op_names(),
            (std::vector<std::string>{"gelu", "gelu_erf", "bias_gelu", "layernorm", "add_layernorm",
                                      "softmax", "add_mul"}));
  for (const std::string& name : fusion_op_names()) EXPECT_TRUE(find_op_case(name).has_unfused());
  try {
    find_op_case("relu");
    ADD_FAILURE() << "relu found";
  } catch (const ValueError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'relu'"), std::string::npos) << what;
    for (const OpCase& op : op_cases()) EXPECT_NE(what.find(op.name), std::string::npos) << what;
  }
}

TEST(OpCases, OperandsAreSeededAndShaped) {
  const OpOperands a = make_op_operands(3, 5, DType::f64, 7),
                   b = make_op_operands(3, 5, DType::f64, 7);
  for (const Tensor* t : {&a.x, &a.r, &a.c}) EXPECT_EQ(t->shape(), (Shape{3, 5}));
  for (const Tensor* t : {&a.bias, &a.gamma, &a.beta}) EXPECT_EQ(t->shape(), (Shape{5}));
  EXPECT_TRUE(allclose(a.x, b.x, 0, 0));
  EXPECT_FALSE(allclose(a.x, a.r, 0, 0));
  for (double g : a.gamma.to_vector()) {
    EXPECT_GE(g, 0.5);
    EXPECT_LE(g, 1.5);
  }
  EXPECT_EQ(make_op_operands(2, 4, DType::f32).x.dtype(), DType::f32);
}

TEST(OpCases, EveryExecutionMatchesTheReference) {
  for (const OpCase& op : op_cases()) {
    ASSERT_TRUE(op.naive) << op.name << " has no reference to check against";
    for (DType dt : {DType::f32, DType::f64}) {
      for (const auto& [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{
               {1, 1}, {3, 7}, {5, 17}, {6, 33}, {4, 1000}, {130, 65}}) {
        const OpOperands o = make_op_operands(rows, cols, dt);
        const OpOutputs ref = op.naive(o);
        for (Isa isa : runnable_isas()) {
          IsaGuard guard(isa);
          const std::string w = op.name + " " + isa_name(isa) + " " + dtype_name(dt) + " " +
                                std::to_string(rows) + "x" + std::to_string(cols);
          const double tol = op.tolerance(dt);
          expect_close(op.fused(o), ref, tol, "fused " + w);
          if (op.unfused) expect_close(op.unfused(o), ref, tol, "unfused " + w);
          if (op.fused_out) {
            Tensor out = Tensor::empty({rows, cols}, dt);
            op.fused_out(o, out);
            expect_close({out}, ref, tol, "fused out= " + w);
          }
        }
      }
    }
  }
}

TEST(OpCases, EveryCostIsTheFunctionItNames) {
  using CostFn = std::function<OpCost(int64_t, int64_t, DType, bool)>;
  const std::map<std::string, CostFn> declared = {
      {"gelu_cost", [](int64_t r, int64_t c, DType d, bool f) { return gelu_cost(r * c, d, f); }},
      {"gelu_erf_cost",
       [](int64_t r, int64_t c, DType d, bool f) { return gelu_erf_cost(r * c, d, f); }},
      {"bias_gelu_cost",
       [](int64_t r, int64_t c, DType d, bool f) { return bias_gelu_cost(r, c, d, f); }},
      {"layernorm_cost",
       [](int64_t r, int64_t c, DType d, bool f) { return layernorm_cost(r, c, d, f); }},
      {"add_layernorm_cost",
       [](int64_t r, int64_t c, DType d, bool f) { return add_layernorm_cost(r, c, d, f); }},
      {"softmax_cost",
       [](int64_t r, int64_t c, DType d, bool f) { return softmax_cost(r, c, d, false, f); }},
      {"add_mul_cost",
       [](int64_t r, int64_t c, DType d, bool f) { return add_mul_cost(r * c, d, f); }},
      {"add_cost", [](int64_t r, int64_t c, DType d, bool) { return add_cost(r * c, d); }},
      {"mul_cost", [](int64_t r, int64_t c, DType d, bool) { return mul_cost(r * c, d); }},
  };
  for (const OpCase& op : op_cases()) {
    ASSERT_TRUE(declared.count(op.cost_function)) << op.name << ": " << op.cost_function;
    EXPECT_EQ(op.cost_function, op.name + "_cost");
    for (DType dt : {DType::f32, DType::f64}) {
      for (bool fused : {true, false}) {
        for (const auto& [rows, cols] :
             std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {64, 1024}, {2000, 2000}, {7, 33}}) {
          const OpCost want = declared.at(op.cost_function)(rows, cols, dt, fused);
          const OpCost got = op.cost(rows, cols, dt, fused);
          EXPECT_EQ(got.flops, want.flops) << op.name << " " << rows << "x" << cols;
          EXPECT_EQ(got.bytes, want.bytes) << op.name << " " << rows << "x" << cols;
          EXPECT_GT(got.bytes, 0) << op.name;
        }
      }
    }
  }
}

}  // namespace
}  // namespace tinyaccel
