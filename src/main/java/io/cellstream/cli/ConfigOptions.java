package io.cellstream.cli;

import io.cellstream.config.CellstreamConfig;
import io.cellstream.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options every command that talks to Kafka shares: a properties file, single overrides, and shortcuts
 * for the settings one changes most. Precedence: defaults < files (in order) < environment < these options; among the
 * options, the shortcuts ({@code --bootstrap-servers} ...) beat {@code --set} of the same key.
 */
public final class ConfigOptions {

  // Repeatable so that a stack's addresses (client.properties of run --embedded) and a use case's settings
  // (docs/examples/*.properties) combine without copying one into the other.
  @Option(names = "--config", paramLabel = "FILE",
      description = "Properties file with cellstream and Kafka settings (see config/cellstream.properties for every key and its default). Repeatable: a later file wins.")
  List<Path> configFiles = new ArrayList<>();

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override one setting, e.g. --set cellstream.model.hidden-size=128 or --set security.protocol=SASL_SSL. Repeatable.")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...", description = "Kafka brokers (bootstrap.servers).")
  String bootstrapServers;

  @Option(names = "--schema-registry-url", paramLabel = "URL",
      description = "Confluent-compatible schema registry (schema.registry.url).")
  String schemaRegistryUrl;

  @Option(names = "--application-id", paramLabel = "ID",
      description = "Kafka Streams application id (application.id); instances with the same id share the work.")
  String applicationId;

  /** The process environment; tests replace it. */
  Map<String, String> environment = System.getenv();

  /** The layered settings: defaults, file, environment, command line. */
  public Settings settings(Map<String, String> extra) throws IOException {
    Settings s = new Settings().withDefaults(CellstreamConfig.defaults());
    for (Path configFile : configFiles) {
      if (!Files.isReadable(configFile)) {
        throw new IOException("configuration file " + configFile + " does not exist or is not readable");
      }
      s.withFile(configFile);
    }
    s.withEnvironment(environment, CellstreamConfig.keyNames());
    Map<String, String> cli = new LinkedHashMap<>(extra);
    cli.putAll(overrides);
    if (bootstrapServers != null) {
      cli.put("bootstrap.servers", bootstrapServers);
    }
    if (schemaRegistryUrl != null) {
      cli.put("schema.registry.url", schemaRegistryUrl);
    }
    if (applicationId != null) {
      cli.put("application.id", applicationId);
    }
    return s.withCommandLine(cli);
  }
}
