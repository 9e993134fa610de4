package io.cellstream.cli;

import io.cellstream.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' local state belongs to one Kafka cluster: its checkpoints are offsets in that cluster's logs, its
 * stores copies of that cluster's changelogs. Started against another cluster (a new embedded broker, a state.dir
 * shared with a run against another cluster), Kafka Streams restores from offsets that do not exist there and the
 * instance dies with {@code OffsetOutOfRangeException}, or worse, silently mixes two clusters' data.
 *
 * <p>So the service records the cluster id in the application's state directory ({@value #MARKER} in
 * {@code <state.dir>/<application.id>/}) when it starts, and on every later start compares: state of another
 * cluster is refused with a message that says how to fix it. It is never deleted here: a directory the user chose
 * may hold state someone still wants, and the commands' own temporary directories ({@code run --embedded} without
 * {@code --data-dir}, the demo, replay) are fresh on every start, so they never hold another cluster's state.
 * A state directory written before the marker existed is adopted (nothing tells its cluster), and marked.
 */
final class StateDirectoryGuard {

  static final String MARKER = "cellstream-cluster-id";

  private static final Logger log = LoggerFactory.getLogger(StateDirectoryGuard.class);

  private StateDirectoryGuard() {}

  /** The {@code state.dir} Kafka Streams will use with these settings: the configured one, else its default. */
  static Path stateDir(Properties kafka) {
    String configured = kafka.getProperty(StreamsConfig.STATE_DIR_CONFIG);
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured.strip());
    }
    return Path.of(String.valueOf(StreamsConfig.configDef().defaultValues().get(StreamsConfig.STATE_DIR_CONFIG)));
  }

  /**
   * Claims {@code <stateDir>/<applicationId>} for {@code clusterId}: records it on the first start, accepts the
   * same cluster, refuses another one.
   *
   * @throws ConfigException when the directory holds state of another cluster (the fix is the operator's)
   */
  static void claim(Path stateDir, String applicationId, String clusterId, String bootstrapServers) {
    Path appDir = stateDir.resolve(applicationId);
    Path marker = appDir.resolve(MARKER);
    try {
      if (Files.isRegularFile(marker)) {
        String recorded = Files.readString(marker, StandardCharsets.UTF_8).strip();
        if (recorded.equals(clusterId)) {
          return;
        }
        throw new ConfigException(List.of("state.dir: " + appDir.toAbsolutePath() + " holds the Kafka Streams state of"
            + " application '" + applicationId + "' for Kafka cluster " + recorded + ", but " + bootstrapServers
            + " is cluster " + clusterId + ". Reusing it would restore offsets and data that do not exist in this"
            + " cluster (Kafka Streams fails with OffsetOutOfRangeException). If that state is no longer needed,"
            + " delete " + appDir.toAbsolutePath() + "; to keep it, give this cluster a directory of its own with"
            + " --set state.dir=DIR (with --embedded: --data-dir DIR, or no --data-dir for a temporary one)."));
      }
      if (hasState(appDir)) {
        log.info("state directory {} has no cluster marker (written before cellstream recorded one); adopting it for"
            + " cluster {}", appDir, clusterId);
      }
      Files.createDirectories(appDir);
      Path tmp = appDir.resolve(MARKER + ".tmp-" + ProcessHandle.current().pid());
      Files.writeString(tmp, clusterId + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, marker, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the cluster marker in " + appDir
          + " (state.dir must be a writable directory)", e);
    }
  }

  private static boolean hasState(Path appDir) throws IOException {
    if (!Files.isDirectory(appDir)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(appDir)) {
      return entries.findAny().isPresent();
    }
  }
}
