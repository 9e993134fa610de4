package io.cellstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.cellstream.testing.ListeningSockets;
import io.cellstream.testing.SharedStackExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedStackExtension.class)
class EmbeddedSchemaRegistryIT {

  @Test
  void servesTheConfluentApi(EmbeddedSchemaRegistry registry) throws Exception {
    assertThat(registry.url()).isEqualTo("http://127.0.0.1:" + registry.port() + "/apis/ccompat/v7");
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/subjects")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("[");
    }
    assertThat(registry.isAlive()).isTrue();
    System.out.printf("registry pid %d resident memory %d MB%n", registry.pid(),
        registry.residentMemoryBytes().orElse(-1) >> 20);
  }

  /** Every socket the registry process listens on, the management port included, is on loopback. */
  @Test
  void listensOnLoopbackOnly(EmbeddedSchemaRegistry registry) {
    assumeThat(ListeningSockets.available()).as("needs /proc").isTrue();
    List<ListeningSockets.Listener> listeners = ListeningSockets.ofProcess(registry.pid());
    assertThat(listeners).extracting(ListeningSockets.Listener::port)
        .contains(registry.port(), registry.managementPort());
    assertThat(listeners).allSatisfy(l ->
        assertThat(l.address().isLoopbackAddress()).as("%s:%d", l.address(), l.port()).isTrue());
  }

  /** Close ends the child; with a data directory a restarted registry still knows the schema ids. */
  @Test
  void closeStopsTheChildAndADataDirectoryKeepsTheSchemas(@TempDir Path dir) {
    Path log = dir.resolve("registry.log");
    org.apache.avro.Schema schema = io.cellstream.avro.Label.getClassSchema();
    long t0 = System.nanoTime();
    EmbeddedSchemaRegistry own = EmbeddedSchemaRegistry.builder().dataDir(dir.resolve("data")).logFile(log).start();
    long started = System.nanoTime();
    long pid = own.pid();
    System.out.printf("own registry started in %d ms, resident memory %d MB%n",
        TimeUnit.NANOSECONDS.toMillis(started - t0), own.residentMemoryBytes().orElse(-1) >> 20);
    int id;
    try (var client = new io.cellstream.serde.SchemaRegistryClient(own.url())) {
      id = client.register("labels-value", schema);
    }
    long closing = System.nanoTime();
    own.close();
    System.out.printf("own registry stopped in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing));
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(log).exists();
    own.close(); // twice is fine

    try (EmbeddedSchemaRegistry again = EmbeddedSchemaRegistry.builder().dataDir(dir.resolve("data")).start();
        var client = new io.cellstream.serde.SchemaRegistryClient(again.url())) {
      assertThat(client.schemaById(id)).isEqualTo(schema);
      assertThat(client.lookupId("labels-value", schema)).isEqualTo(id);
      assertThat(client.register("other-value", io.cellstream.avro.Event.getClassSchema())).isNotEqualTo(id);
    }
  }

  /**
   * The watchdog agent ends a child whose stdin closes: what happens to our pipe when this JVM dies, even
   * by kill -9, so a registry never outlives the JVM that started it.
   */
  @Test
  void watchdogEndsTheChildWhenItsParentGoes(@TempDir Path dir) throws Exception {
    Path agent = EmbeddedSchemaRegistry.watchdogAgent(dir);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = Path.of(SleepForever.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    Process child = new ProcessBuilder(java, "-Xmx32m", "-javaagent:" + agent, "-cp", cp,
        SleepForever.class.getName()).redirectErrorStream(true).start();
    try {
      byte[] first = child.getInputStream().readNBytes(8);
      assertThat(new String(first)).isEqualTo("sleeping");
      assertThat(child.isAlive()).isTrue();
      child.getOutputStream().close();
      assertThat(child.waitFor(20, TimeUnit.SECONDS)).as("child exited").isTrue();
      assertThat(child.exitValue()).isEqualTo(3);
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void findsTheArchiveOrSaysHowToGetIt(@TempDir Path dir) throws IOException {
    Path archive = ApicurioDistribution.archive();
    assertThat(archive).isRegularFile();
    assertThat(archive.getFileName().toString()).isEqualTo(ApicurioDistribution.ARCHIVE_NAME);
    Path present = Files.createFile(dir.resolve("present.tar.gz"));
    assertThat(ApicurioDistribution.firstExisting(List.of(dir.resolve("missing"), present))).isEqualTo(present);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ApicurioDistribution.firstExisting(List.of(dir.resolve("missing"))))
        .hasMessageContaining("./mvnw -DskipTests package")
        .hasMessageContaining(ApicurioDistribution.ARCHIVE_PROPERTY);
  }
}
