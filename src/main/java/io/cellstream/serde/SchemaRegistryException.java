package io.cellstream.serde;

/**
 * A schema registry call failed: the registry answered with an error, or could not be reached.
 *
 * <p>{@link #status()} is the HTTP status, or {@code 0} when no answer came (connection refused,
 * timeout). {@link #errorCode()} is the registry's own {@code error_code} from the JSON body (Confluent
 * codes such as {@link #SUBJECT_NOT_FOUND} 40401 or {@link #SCHEMA_NOT_FOUND} 40403), or {@code 0} when
 * the body had none.
 *
 * <p>Unchecked, like Kafka's own serialization errors: a registry that is down or refuses our
 * credentials is an operational failure, not a property of one record.
 */
public final class SchemaRegistryException extends RuntimeException {

  public static final int SUBJECT_NOT_FOUND = 40401;
  public static final int VERSION_NOT_FOUND = 40402;
  public static final int SCHEMA_NOT_FOUND = 40403;
  public static final int INVALID_SCHEMA = 42201;
  public static final int INCOMPATIBLE_SCHEMA = 409;

  private static final long serialVersionUID = 1L;

  private final int status;
  private final int errorCode;
  private final String registryMessage;

  public SchemaRegistryException(String message, int status, int errorCode, String registryMessage,
      Throwable cause) {
    super(message, cause);
    this.status = status;
    this.errorCode = errorCode;
    this.registryMessage = registryMessage;
  }

  /** HTTP status of the answer; 0 when the registry did not answer (I/O error or timeout). */
  public int status() {
    return status;
  }

  /** The registry's {@code error_code} (e.g. 40403), or 0 when its answer carried none. */
  public int errorCode() {
    return errorCode;
  }

  /** The registry's {@code message}, or the start of its body when it was not the usual JSON. */
  public String registryMessage() {
    return registryMessage;
  }

  /** 404: the subject, version or schema id does not exist. */
  public boolean isNotFound() {
    return status == 404;
  }

  /** No answer, a 5xx or 429: worth retrying later; the request itself may be fine. */
  public boolean isTransient() {
    return status == 0 || status >= 500 || status == 429;
  }
}
