// Checks the deployment recipe as written: Kubernetes manifests (Deployment probes on
// /readyz and /healthz, a listening address other than loopback, non-root, a Service that
// selects the pods and an HPA on CPU that targets the Deployment), compose.yaml and the
// Dockerfile. Static: nothing is deployed or built.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

const std::filesystem::path kRoot = MOODTUNE_SOURCE_DIR;

// Every document of every deploy/k8s/*.yaml, keyed by kind (one of each kind expected).
std::map<std::string, YAML::Node> LoadK8s() {
  std::map<std::string, YAML::Node> by_kind;
  for (const auto& e : std::filesystem::directory_iterator(kRoot / "deploy/k8s")) {
    if (e.path().extension() != ".yaml") continue;
    for (const YAML::Node& doc : YAML::LoadAllFromFile(e.path().string())) {
      if (!doc || doc.IsNull()) continue;
      const std::string kind = doc["kind"].as<std::string>();
      EXPECT_EQ(by_kind.count(kind), 0u) << "two " << kind << " documents";
      by_kind[kind] = doc;
    }
  }
  return by_kind;
}

std::vector<std::string> Strings(const YAML::Node& seq) {
  std::vector<std::string> out;
  if (seq && seq.IsSequence())
    for (const auto& s : seq) out.push_back(s.as<std::string>());
  return out;
}

// True when `args` holds "--host" followed by a non-loopback address.
bool ListensBeyondLoopback(const std::vector<std::string>& args) {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--host") return args[i + 1] != "127.0.0.1" && args[i + 1] != "localhost";
  return false;
}

std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The container's port that a probe or Service names, by name or by number.
int ResolvePort(const YAML::Node& container, const YAML::Node& port) {
  for (const auto& p : container["ports"]) {
    const std::string want = port.as<std::string>();
    if (want == p["containerPort"].as<std::string>() ||
        (p["name"] && want == p["name"].as<std::string>()))
      return p["containerPort"].as<int>();
  }
  return -1;
}

class K8sManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docs_ = LoadK8s();
    ASSERT_TRUE(docs_.count("Deployment")) << "deploy/k8s has no Deployment";
    deployment_ = docs_["Deployment"];
    const YAML::Node containers = deployment_["spec"]["template"]["spec"]["containers"];
    ASSERT_TRUE(containers.IsSequence());
    ASSERT_EQ(containers.size(), 1u);
    container_ = containers[0];
  }
  std::map<std::string, YAML::Node> docs_;
  YAML::Node deployment_, container_;
};

TEST_F(K8sManifestTest, ProbesUseReadyzAndHealthzOnTheServedPort) {
  const YAML::Node ready = container_["readinessProbe"]["httpGet"];
  const YAML::Node live = container_["livenessProbe"]["httpGet"];
  ASSERT_TRUE(ready) << "readinessProbe.httpGet missing";
  ASSERT_TRUE(live) << "livenessProbe.httpGet missing";
  EXPECT_EQ(ready["path"].as<std::string>(), "/readyz");  // 503 until the models load
  EXPECT_EQ(live["path"].as<std::string>(), "/healthz");  // the process lives
  const std::vector<std::string> args = Strings(container_["args"]);
  int served = -1;
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--port") served = std::stoi(args[i + 1]);
  ASSERT_GT(served, 0) << "args lack --port";
  EXPECT_EQ(ResolvePort(container_, ready["port"]), served);
  EXPECT_EQ(ResolvePort(container_, live["port"]), served);
}

TEST_F(K8sManifestTest, ServerListensBeyondLoopbackAndRunsUnprivileged) {
  EXPECT_TRUE(ListensBeyondLoopback(Strings(container_["args"])))
      << "the server binds 127.0.0.1 by default; the pod needs --host 0.0.0.0";
  const YAML::Node pod_sc = deployment_["spec"]["template"]["spec"]["securityContext"];
  EXPECT_TRUE(pod_sc["runAsNonRoot"].as<bool>());
  EXPECT_NE(pod_sc["runAsUser"].as<int>(), 0);
  EXPECT_FALSE(container_["securityContext"]["allowPrivilegeEscalation"].as<bool>());
}

TEST_F(K8sManifestTest, ServiceSelectsThePodsAndTargetsTheirPort) {
  ASSERT_TRUE(docs_.count("Service"));
  const YAML::Node svc = docs_["Service"];
  const YAML::Node labels = deployment_["spec"]["template"]["metadata"]["labels"];
  ASSERT_TRUE(svc["spec"]["selector"].IsMap());
  for (const auto& kv : svc["spec"]["selector"])
    EXPECT_EQ(labels[kv.first.as<std::string>()].as<std::string>(""),
              kv.second.as<std::string>())
        << "Service selector " << kv.first.as<std::string>() << " does not match the pods";
  for (const auto& kv : deployment_["spec"]["selector"]["matchLabels"])
    EXPECT_EQ(labels[kv.first.as<std::string>()].as<std::string>(""),
              kv.second.as<std::string>());
  ASSERT_EQ(svc["spec"]["ports"].size(), 1u);
  EXPECT_GT(ResolvePort(container_, svc["spec"]["ports"][0]["targetPort"]), 0);
}

TEST_F(K8sManifestTest, HpaScalesTheDeploymentOnCpu) {
  ASSERT_TRUE(docs_.count("HorizontalPodAutoscaler"));
  const YAML::Node hpa = docs_["HorizontalPodAutoscaler"];
  EXPECT_EQ(hpa["apiVersion"].as<std::string>(), "autoscaling/v2");
  const YAML::Node target = hpa["spec"]["scaleTargetRef"];
  EXPECT_EQ(target["kind"].as<std::string>(), "Deployment");
  EXPECT_EQ(target["name"].as<std::string>(), deployment_["metadata"]["name"].as<std::string>());
  const int min = hpa["spec"]["minReplicas"].as<int>(), max = hpa["spec"]["maxReplicas"].as<int>();
  EXPECT_GE(min, 1);
  EXPECT_GT(max, min);
  bool cpu = false;
  for (const auto& m : hpa["spec"]["metrics"])
    if (m["type"].as<std::string>() == "Resource" &&
        m["resource"]["name"].as<std::string>() == "cpu" &&
        m["resource"]["target"]["type"].as<std::string>() == "Utilization")
      cpu = m["resource"]["target"]["averageUtilization"].as<int>() > 0;
  EXPECT_TRUE(cpu) << "no CPU utilization metric";
  // Utilization is relative to the request: without one the HPA cannot compute it.
  EXPECT_TRUE(container_["resources"]["requests"]["cpu"]) << "container has no CPU request";
}

TEST(ComposeTest, ServiceListensBeyondLoopbackNextToPostgres) {
  const YAML::Node c = YAML::LoadFile((kRoot / "compose.yaml").string());
  ASSERT_TRUE(c["services"]["moodtune"]);
  ASSERT_TRUE(c["services"]["postgres"]);
  EXPECT_TRUE(ListensBeyondLoopback(Strings(c["services"]["moodtune"]["command"])));
  // The password comes from the environment, never from the file.
  const std::string pw =
      c["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].as<std::string>();
  EXPECT_EQ(pw.rfind("${", 0), 0u) << "POSTGRES_PASSWORD is a literal in compose.yaml";
}

TEST(DockerfileTest, BookwormSlimStagesNonRootUserAndNetworkBind) {
  std::istringstream in(ReadText(kRoot / "Dockerfile"));
  std::string line, last_user, cmd;
  int from = 0;
  for (; std::getline(in, line);) {
    if (line.rfind("FROM ", 0) == 0) {
      ++from;
      EXPECT_EQ(line.rfind("FROM debian:bookworm-slim", 0), 0u) << line;
    }
    if (line.rfind("USER ", 0) == 0) last_user = line.substr(5);
    if (line.rfind("CMD ", 0) == 0) cmd = line;
  }
  EXPECT_GE(from, 2) << "expected a multi-stage build";
  EXPECT_FALSE(last_user.empty()) << "the image runs as root";
  EXPECT_NE(last_user.substr(0, last_user.find(':')), "root");
  EXPECT_NE(last_user.substr(0, last_user.find(':')), "0");
  EXPECT_NE(cmd.find(R"("--host", "0.0.0.0")"), std::string::npos) << cmd;
}

// Issue 11.8: the build has no package-registry settings, so it checks the detector the
// set-up fetched instead of fetching it; the build context must therefore carry it.
TEST(DockerfileTest, Issue11DetectorIsCheckedFromTheContextNotFetched) {
  const std::string dockerfile = ReadText(kRoot / "Dockerfile");
  EXPECT_NE(dockerfile.find("RUN scripts/fetch_models.sh --check"), std::string::npos)
      << "the build must verify the detector's SHA-256 (fetch_models.sh --check)";
  EXPECT_EQ(dockerfile.find("npm"), std::string::npos) << "the build must not need npm";
  std::istringstream ignore(ReadText(kRoot / ".dockerignore"));
  for (std::string line; std::getline(ignore, line);) {
    EXPECT_NE(line.rfind("models", 0), 0u) << ".dockerignore drops the models: " << line;
  }
}

// Issue 11.8: a HEALTHCHECK probes /readyz on the port the CMD serves.
TEST(DockerfileTest, Issue11HealthcheckProbesReadyz) {
  const std::string dockerfile = ReadText(kRoot / "Dockerfile");
  const auto at = dockerfile.find("\nHEALTHCHECK ");
  ASSERT_NE(at, std::string::npos) << "no HEALTHCHECK";
  const auto end = dockerfile.find('\n', dockerfile.find("CMD", at));
  const std::string check = dockerfile.substr(at, end - at);
  EXPECT_NE(check.find("/readyz"), std::string::npos) << check;
  EXPECT_NE(check.find("127.0.0.1/8000"), std::string::npos) << check;
}

// Issue 12: PNG/BMP/WebP input needs libmoodtune_media.so, which the binary dlopen()s from
// <bin>/../lib/moodtune: the image must hold it there, with its own libraries (ldd does not
// see a dlopen()ed library from the binary).
TEST(DockerfileTest, Issue12MediaLibraryAndItsLibrariesAreInTheImage) {
  const std::string dockerfile = ReadText(kRoot / "Dockerfile");
  EXPECT_NE(dockerfile.find("/rootfs/usr/local/lib/moodtune/libmoodtune_media.so"),
            std::string::npos)
      << "the media library is not installed beside /usr/local/bin/moodtune's ../lib/moodtune";
  EXPECT_NE(dockerfile.find("runtime_libs.sh /build/moodtune /base-libs.txt /rootfs "
                            "/build/libmoodtune_media.so"),
            std::string::npos)
      << "the media library's libraries are not copied";
}

}  // namespace
