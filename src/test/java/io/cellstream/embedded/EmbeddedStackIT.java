package io.cellstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedStackExtension.class)
class EmbeddedStackIT {

  @Test
  void oneSharedStackPerJvm(EmbeddedStack injected) {
    assertThat(SharedStack.get()).isSameAs(injected);
    assertThat(injected.clientConfig())
        .containsEntry("bootstrap.servers", injected.kafka().bootstrapServers())
        .containsEntry("schema.registry.url", injected.registry().url());
    assertThat(SharedStack.registryClient()).isSameAs(SharedStack.registryClient());
    assertThat(SharedStack.uniqueName("My Topic")).matches("my-topic-\\d+-[0-9a-f]+")
        .isNotEqualTo(SharedStack.uniqueName("My Topic"));
    assertThat(SharedStack.streamsConfig("app-1")).containsEntry("application.id", "app-1")
        .containsKey("bootstrap.servers").containsKey("schema.registry.url");
  }

  /** A temporary stack keeps the broker's log and the place for Kafka Streams' state in one directory of its own. */
  @Test
  void aTemporaryStackOwnsOnePrivateDirectoryAndDeletesIt() {
    Path dir;
    try (EmbeddedStack stack = EmbeddedStack.start()) {
      assertThat(stack.isTemporary()).isTrue();
      dir = stack.directory().orElseThrow();
      assertThat(dir.getFileName().toString()).startsWith("cellstream-embedded-");
      assertThat(dir.resolve("kafka")).isDirectory();
      assertThat(stack.streamsStateDir()).isEqualTo(dir.resolve("streams"));
      assertThat(stack.logFile().getParent()).isEqualTo(dir);
      assertThat(SharedStack.get().directory()).as("the shared stack is not this one").isEmpty();
    }
    assertThat(dir).doesNotExist();
  }
}
