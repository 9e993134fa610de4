package io.cellstream.cli;

import io.cellstream.config.CellstreamConfig;
import io.cellstream.embedded.EmbeddedStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code client.properties} in an embedded stack's directory: the broker and registry addresses (picked at start)
 * and the topic names of the command running on it, so that {@code tail --config <dir>/client.properties} (or any
 * Kafka tool) reaches what a local {@code run --embedded} or {@code demo} writes while it runs.
 */
final class ClientProperties {

  static final String FILE = "client.properties";

  private ClientProperties() {}

  /**
   * Removes the file an earlier run left in a kept {@code --data-dir}, before the stack starts: its addresses are
   * gone, and a client that read them would wait for a broker that is not there.
   */
  static void removeStale(Path dataDir) throws IOException {
    Files.deleteIfExists(dataDir.resolve(FILE));
  }

  /** Writes the file for {@code config} on {@code stack}, once the service runs; returns it. */
  static Path write(EmbeddedStack stack, CellstreamConfig config) throws IOException {
    var topics = config.stream().topics();
    String text = "# The embedded broker and registry of a running cellstream command; its addresses change on every"
        + " start.\n"
        + "bootstrap.servers=" + stack.bootstrapServers() + "\n"
        + "schema.registry.url=" + stack.schemaRegistryUrl() + "\n"
        + "application.id=" + config.applicationId() + "\n"
        + "cellstream.topic.events=" + topics.events() + "\n"
        + "cellstream.topic.labels=" + topics.labels() + "\n"
        + "cellstream.topic.predictions=" + topics.predictions() + "\n"
        + "cellstream.topic.dead-letters=" + topics.deadLetters() + "\n"
        + "cellstream.topic.models=" + topics.models() + "\n";
    Path file = stack.directory().orElseThrow().resolve(FILE);
    Files.writeString(file, text);
    return file;
  }
}
