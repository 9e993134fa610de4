package io.cellstream.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * This core's float FMA peak, measured the way the kernel would reach it: {@value #CHAINS} independent chains of
 * vector FMAs at the machine's preferred width ({@code FloatVector.SPECIES_PREFERRED}: 8 lanes with AVX2, 16 with
 * AVX-512), nothing else in the loop. Twelve chains cover an FMA latency of 4 to 6 cycles on two pipes (Zen 3,
 * Skylake and later) and, with the two operands, fit in AVX2's 16 vector registers, so the loop is bound by FMA
 * throughput alone. Score: ns per call of {@value #ITERATIONS} iterations; FLOP/s = {@link #flopsPerCall()} / ns.
 *
 * <p>Each chain is c ← c·a + b with a just below 1 and b small: it converges, so no value overflows or turns
 * subnormal (which would slow the FMA on some cores), and C2 cannot fold the loop away.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FmaPeakBenchmark {

  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  public static final int CHAINS = 12;
  public static final int ITERATIONS = 4096;

  private float a;
  private float b;

  /** Floating-point operations per benchmark call: an FMA is two, per lane. */
  public static double flopsPerCall() {
    return 2.0 * SPECIES.length() * CHAINS * ITERATIONS;
  }

  /** Float lanes per vector on this machine. */
  public static int lanes() {
    return SPECIES.length();
  }

  @Setup
  public void setup() {
    a = 0.999f;
    b = 1e-3f;
  }

  @Benchmark
  public float fmaChains() {
    FloatVector va = FloatVector.broadcast(SPECIES, a);
    FloatVector vb = FloatVector.broadcast(SPECIES, b);
    FloatVector c0 = FloatVector.broadcast(SPECIES, 0.01f);
    FloatVector c1 = FloatVector.broadcast(SPECIES, 0.02f);
    FloatVector c2 = FloatVector.broadcast(SPECIES, 0.03f);
    FloatVector c3 = FloatVector.broadcast(SPECIES, 0.04f);
    FloatVector c4 = FloatVector.broadcast(SPECIES, 0.05f);
    FloatVector c5 = FloatVector.broadcast(SPECIES, 0.06f);
    FloatVector c6 = FloatVector.broadcast(SPECIES, 0.07f);
    FloatVector c7 = FloatVector.broadcast(SPECIES, 0.08f);
    FloatVector c8 = FloatVector.broadcast(SPECIES, 0.09f);
    FloatVector c9 = FloatVector.broadcast(SPECIES, 0.10f);
    FloatVector c10 = FloatVector.broadcast(SPECIES, 0.11f);
    FloatVector c11 = FloatVector.broadcast(SPECIES, 0.12f);
    for (int i = 0; i < ITERATIONS; i++) {
      c0 = c0.fma(va, vb);
      c1 = c1.fma(va, vb);
      c2 = c2.fma(va, vb);
      c3 = c3.fma(va, vb);
      c4 = c4.fma(va, vb);
      c5 = c5.fma(va, vb);
      c6 = c6.fma(va, vb);
      c7 = c7.fma(va, vb);
      c8 = c8.fma(va, vb);
      c9 = c9.fma(va, vb);
      c10 = c10.fma(va, vb);
      c11 = c11.fma(va, vb);
    }
    FloatVector s = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11);
    return s.lane(0);
  }
}
