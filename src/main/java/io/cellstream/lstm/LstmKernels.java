package io.cellstream.lstm;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * Picks the kernel once per JVM and says which one and why (Lucene's VectorizationProvider, in small).
 *
 * <ul>
 *   <li>{@code -Dcellstream.kernel=scalar|vector} forces one ({@code vector} fails when the module is
 *       absent, rather than silently running slower than asked);</li>
 *   <li>otherwise the vector kernel when the {@code jdk.incubator.vector} module is in the boot layer
 *       (the JVM was started with {@code --add-modules jdk.incubator.vector}), else the scalar one.</li>
 * </ul>
 *
 * The vector kernel is loaded by name only after the module check, so without the module its class
 * never links.
 */
public final class LstmKernels {

  /** System property that forces a kernel: {@code scalar} or {@code vector}. */
  public static final String PROPERTY = "cellstream.kernel";

  private static final String VECTOR_MODULE = "jdk.incubator.vector";
  private static final String VECTOR_CLASS = "io.cellstream.lstm.VectorLstmKernel";
  private static final System.Logger LOG = System.getLogger(LstmKernels.class.getName());

  private LstmKernels() {}

  /** The kernel this JVM uses (chosen and logged on first call). */
  public static LstmKernel get() {
    return Chosen.KERNEL;
  }

  /** Why {@link #get()} chose what it chose. */
  public static String reason() {
    return Chosen.REASON;
  }

  /** The scalar reference kernel. */
  public static LstmKernel scalar() {
    return ScalarLstmKernel.INSTANCE;
  }

  /** True when the Vector API module is present, so that {@link #vector()} works. */
  public static boolean vectorAvailable() {
    return Vector.KERNEL != null;
  }

  /** The Vector API kernel; throws {@link UnsupportedOperationException} when the module is absent. */
  public static LstmKernel vector() {
    if (Vector.KERNEL == null) {
      throw new UnsupportedOperationException("the vector kernel is unavailable: " + Vector.WHY_NOT);
    }
    return Vector.KERNEL;
  }

  /** The kernel named {@code scalar} or {@code vector}. */
  public static LstmKernel named(String name) {
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "scalar" -> scalar();
      case "vector" -> vector();
      default -> throw new IllegalArgumentException("unknown kernel '" + name + "': use scalar or vector");
    };
  }

  /** Lane width the packed weights of new models are prepared for (0: the chosen kernel packs nothing). */
  static int packWidth() {
    return get() == Vector.KERNEL ? Vector.LANES : 0;
  }

  /** Loads the vector kernel at most once, and only if the module is there. */
  private static final class Vector {
    static final LstmKernel KERNEL;
    static final int LANES;
    static final String WHY_NOT;

    static {
      LstmKernel k = null;
      int lanes = 0;
      String why = null;
      if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
        why = "module " + VECTOR_MODULE + " is not in the boot layer (start the JVM with --add-modules "
            + VECTOR_MODULE + ")";
      } else {
        try {
          Class<?> c = Class.forName(VECTOR_CLASS);
          var ctor = c.getDeclaredConstructor();
          k = (LstmKernel) ctor.newInstance();
          lanes = (int) c.getDeclaredMethod("lanes").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
          k = null;
          why = "the vector kernel failed to load: " + e;
        }
      }
      KERNEL = k;
      LANES = lanes;
      WHY_NOT = why;
    }
  }

  private static final class Chosen {
    static final LstmKernel KERNEL;
    static final String REASON;

    static {
      String forced = System.getProperty(PROPERTY);
      LstmKernel k;
      String reason;
      if (forced != null && !forced.isBlank()) {
        k = named(forced); // "vector" without the module throws: asked for, not available
        reason = "forced by -D" + PROPERTY + "=" + forced.trim();
      } else if (Vector.KERNEL != null) {
        k = Vector.KERNEL;
        reason = "module " + VECTOR_MODULE + " present, " + Vector.LANES + " float lanes per vector";
      } else {
        k = ScalarLstmKernel.INSTANCE;
        reason = Vector.WHY_NOT;
      }
      KERNEL = k;
      REASON = reason;
      LOG.log(Level.INFO, "LSTM kernel: {0} ({1})", k.name(), reason);
    }
  }
}
