package io.cellstream.stream;

import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' processing exception handler for the service ({@code processing.exception.handler}). Bad input
 * never reaches it (the processors dead-letter it themselves), nor does a registry that does not answer (they
 * wait for it): what does is a bug or an instance closing while a thread waited for the registry. Both stop the
 * thread with the record uncommitted, so it is processed again by whoever owns its partition next; only the
 * first is logged as an error.
 */
public final class ProcessingErrors implements ProcessingExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ProcessingErrors.class);

  @Override
  public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    if (exception instanceof RegistryRetry.ClosingException) {
      log.info("{} at {}-{}@{}", exception.getMessage(), context.topic(), context.partition(), context.offset());
    } else {
      log.error("processing {}-{}@{} failed in {}; the record stays uncommitted and is processed again after a restart",
          context.topic(), context.partition(), context.offset(), context.processorNodeId(), exception);
    }
    return Response.fail();
  }

  @Override
  public void configure(Map<String, ?> configs) {}
}
