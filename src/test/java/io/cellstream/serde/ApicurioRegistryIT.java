package io.cellstream.serde;

import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/** The registry contract against Apicurio Registry (ccompat API) and the embedded broker. */
@ExtendWith(SharedStackExtension.class)
class ApicurioRegistryIT extends HttpRegistryContract {

  @Override
  String registryUrl() {
    return SharedStack.schemaRegistryUrl();
  }

  @Override
  String bootstrapServers() {
    return SharedStack.bootstrapServers();
  }
}
