// /openapi.json is an OpenAPI 3.1 document whose routes the server really serves, and the
// server's routes are documented.
#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include <nlohmann/json.hpp>

#include "common/skip.h"
#include "image_store.h"
#include "test_support.h"

namespace moodtune::server {
namespace {
using namespace moodtune::server::testing;
using nlohmann::json;

TEST(OpenApiTest, DocumentMatchesTheServer) {
  if (FacePhotos().empty()) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev");
  TestServer server;
  ASSERT_TRUE(server.ok());
  auto cli = server.Client();
  auto r = cli.Get("/openapi.json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  json doc = json::parse(r->body, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_EQ(doc["openapi"], "3.1.0");
  ASSERT_TRUE(doc["paths"].is_object());

  // Every documented operation is routed (an unrouted one answers 404 no_route).
  int operations = 0;
  for (const auto& [path, item] : doc["paths"].items()) {
    std::string concrete = path;
    const auto brace = concrete.find("{id}");
    if (brace != std::string::npos) concrete.replace(brace, 4, RandomId());
    for (const auto& [method, op] : item.items()) {
      ASSERT_TRUE(op.contains("responses")) << method << " " << path;
      ASSERT_TRUE(method == "get" || method == "post" || method == "delete")
          << method << " " << path;
      httplib::Result res = method == "get"    ? cli.Get(concrete.c_str())
                            : method == "post" ? cli.Post(concrete.c_str(), "", "text/plain")
                                               : cli.Delete(concrete.c_str());
      ASSERT_TRUE(res) << method << " " << path;
      EXPECT_EQ(res->body.find("\"no_route\""), std::string::npos) << method << " " << path;
      ++operations;
    }
  }
  // Documented operations and the server's route table are the same set, both ways. The
  // page's own assets (/assets/app.js, /assets/style.css) are not API operations.
  std::set<std::pair<std::string, std::string>> routed, documented;
  for (const auto& [path, method] : server.server().RouteTable()) {
    if (path.rfind("/assets/", 0) == 0) continue;
    std::string lower = method;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    routed.insert({path, lower});
  }
  for (const auto& [path, item] : doc["paths"].items())
    for (const auto& [method, op] : item.items()) documented.insert({path, method});
  for (const auto& r : routed)
    EXPECT_TRUE(documented.count(r)) << r.second << " " << r.first << " is not documented";
  for (const auto& d : documented)
    EXPECT_TRUE(routed.count(d)) << d.second << " " << d.first << " is documented, not routed";
  EXPECT_EQ(static_cast<int>(routed.size()), operations);
  EXPECT_GE(routed.size(), 16u) << "the route table lost routes";

  // The check can fail: an undocumented path is not routed.
  auto missing = cli.Get("/v2/recommend");
  ASSERT_TRUE(missing);
  EXPECT_NE(missing->body.find("\"no_route\""), std::string::npos);

  // The reference answer's documented required fields are the ones /recommend returns.
  const auto& req = doc["components"]["schemas"]["ReferenceAnswer"]["required"];
  auto answer = cli.Post("/recommend", Upload("files", ReadFile(FacePhotos().front())));
  ASSERT_TRUE(answer);
  json a = json::parse(answer->body);
  for (const auto& field : req) EXPECT_TRUE(a.contains(field.get<std::string>())) << field;
}

}  // namespace
}  // namespace moodtune::server
