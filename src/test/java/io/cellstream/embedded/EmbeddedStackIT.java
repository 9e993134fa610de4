package io.cellstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
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
}
