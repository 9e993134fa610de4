package io.cellstream.testing;

import io.cellstream.embedded.EmbeddedKafka;
import io.cellstream.embedded.EmbeddedSchemaRegistry;
import io.cellstream.embedded.EmbeddedStack;
import io.cellstream.serde.SchemaRegistryClient;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 access to {@link SharedStack}: starts it before the first class that uses the extension, stops
 * it when the whole run ends (root store), and injects test or lifecycle method parameters of type
 * {@link EmbeddedStack}, {@link EmbeddedKafka}, {@link EmbeddedSchemaRegistry} or
 * {@link SchemaRegistryClient}.
 *
 * <pre>{@code
 * @ExtendWith(SharedStackExtension.class)
 * class PipelineTest {
 *   @Test void roundTrip(EmbeddedKafka kafka, SchemaRegistryClient registry) { ... }
 * }
 * }</pre>
 */
public final class SharedStackExtension implements BeforeAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedStack.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getRoot().getStore(NS).getOrComputeIfAbsent("shared-stack", k -> {
      SharedStack.get();
      return (AutoCloseable) SharedStack::shutdown;
    }, AutoCloseable.class);
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    Class<?> t = p.getParameter().getType();
    return t == EmbeddedStack.class || t == EmbeddedKafka.class || t == EmbeddedSchemaRegistry.class
        || t == SchemaRegistryClient.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    Class<?> t = p.getParameter().getType();
    EmbeddedStack s = SharedStack.get();
    if (t == EmbeddedKafka.class) {
      return s.kafka();
    }
    if (t == EmbeddedSchemaRegistry.class) {
      return s.registry();
    }
    if (t == SchemaRegistryClient.class) {
      return SharedStack.registryClient();
    }
    return s;
  }
}
