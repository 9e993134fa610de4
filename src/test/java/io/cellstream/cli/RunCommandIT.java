package io.cellstream.cli;

import static io.cellstream.cli.RunCommandTest.run;
import static io.cellstream.cli.RunCommandTest.unusedPort;
import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.cli.RunCommandTest.Result;
import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The start-up failures of {@code cellstream run} that need a real broker (and registry) to happen. */
@ExtendWith(SharedStackExtension.class)
class RunCommandIT {

  /** Never Kafka Streams' shared default state dir: what one run leaves there, the next (other cluster) refuses. */
  @TempDir Path stateDir;

  @Test
  void unreachableRegistryIsExit3() throws IOException {
    int port = unusedPort();
    Result r = run(Map.of(), "--set", "state.dir=" + stateDir, "--bootstrap-servers", SharedStack.bootstrapServers(),
        "--schema-registry-url", "http://127.0.0.1:" + port, "--http-port", "0");
    assertThat(r.code()).as(r.err()).isEqualTo(RunCommand.EXIT_UNREACHABLE);
    assertThat(r.err()).startsWith("cellstream run: cannot reach the schema registry at http://127.0.0.1:" + port)
        .contains("schema.registry.url (--schema-registry-url)");
  }

  @Test
  void anHttpPortInUseIsAConfigurationError() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Result r = run(Map.of(), "--set", "state.dir=" + stateDir, "--bootstrap-servers", SharedStack.bootstrapServers(),
          "--schema-registry-url", SharedStack.schemaRegistryUrl(), "--http-port", String.valueOf(taken.getLocalPort()),
          "--application-id", SharedStack.uniqueName("bind"));
      assertThat(r.code()).as(r.err()).isEqualTo(RunCommand.EXIT_CONFIG);
      assertThat(r.err()).contains("cellstream.http.port: cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .contains("--http-port");
    }
  }

  @Test
  void topicsThatDoNotFitAreAConfigurationError() throws Exception {
    String p = SharedStack.uniqueName("topics");
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", SharedStack.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(p + "-events", 2, (short) 1), new NewTopic(p + "-labels", 3, (short) 1)))
          .all().get();
    }
    List<String> args = new ArrayList<>(List.of("--set", "state.dir=" + stateDir, "--bootstrap-servers", SharedStack.bootstrapServers(),
        "--schema-registry-url", SharedStack.schemaRegistryUrl(), "--http-port", "0", "--application-id", p + "-app"));
    for (String t : List.of("events", "labels", "predictions", "dead-letters", "models")) {
      args.addAll(List.of("--set", "cellstream.topic." + t + "=" + p + "-" + t));
    }
    Result r = run(Map.of(), args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isEqualTo(RunCommand.EXIT_CONFIG);
    assertThat(r.err()).contains("topics: events topic " + p + "-events has 2 partitions but labels topic " + p
        + "-labels has 3");
  }

}
