package io.cellstream.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cellstream.avro.Event;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * The registry contract against the in-memory registry the fast tests use (the same contract {@code
 * ApicurioRegistryIT} runs against the real one), and the few rules the contract leaves to one side.
 */
class InMemorySchemaRegistryTest extends RegistryContract {

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

  /** The same registry every time, as every client of a real registry sees the same one. */
  @Override
  SchemaRegistry newClient() {
    return registry;
  }

  @Override
  int registerJsonSchema(String subject, String jsonSchema) {
    return registry.registerSchemaText(subject, "JSON", jsonSchema);
  }

  @Test
  void theDefaultLevelIsBackwardAsInConfluentAndUnknownLevelsAreRefused() {
    assertThat(registry.compatibility(null)).isEqualTo("BACKWARD");
    assertThat(registry.compatibility("no-such-subject")).isEqualTo("BACKWARD");
    SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
        () -> registry.setCompatibility("s", "SIDEWAYS"));
    assertThat(e.status()).isEqualTo(422);
    assertThat(e.getMessage()).contains("SIDEWAYS").contains("FULL_TRANSITIVE");
  }

  @Test
  void aTransitiveLevelChecksEveryVersionNotOnlyTheLatest() {
    String subject = "transitive-value";
    Schema v1 = record("{\"name\":\"a\",\"type\":\"string\"}");
    Schema v2 = record("{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"c\",\"type\":\"int\",\"default\":0}");
    // Reads version 2's records (they have c), not version 1's (they lack c and it has no default).
    Schema next = record("{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"c\",\"type\":\"int\"}");
    registry.setCompatibility(subject, "BACKWARD_TRANSITIVE");
    registry.register(subject, v1);
    registry.register(subject, v2);
    assertThat(registry.isCompatible(subject, next)).as("against the latest version").isTrue();
    SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
        () -> registry.register(subject, next));
    assertThat(e.status()).isEqualTo(409);
    assertThat(registry.versions(subject)).containsExactly(1, 2);

    registry.setCompatibility(subject, "BACKWARD");
    registry.register(subject, next);
    assertThat(registry.versions(subject)).containsExactly(1, 2, 3);
  }

  private static Schema record(String fields) {
    return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[" + fields + "]}");
  }
}
