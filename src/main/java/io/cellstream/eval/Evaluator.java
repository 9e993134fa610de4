package io.cellstream.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs learners over a generated stream in-process, prequentially ({@link EvalSession}), and returns the
 * numbers a report needs.
 *
 * <p>With {@link EvalOptions#threads()} = 1 every learner sees the same single pass, record by record.
 * With more, each learner reads its own pass of the (deterministic, hence identical) stream on a pool of
 * that many threads; the results are the same, only faster on several cores.
 */
public final class Evaluator {

  private Evaluator() {}

  public static EvalResult run(TaskGenerator gen, List<? extends OnlineLearner> learners, EvalOptions options,
      ProgressListener progress) {
    long t0 = System.nanoTime();
    List<ModelResult> results;
    if (options.threads() <= 1 || learners.size() <= 1) {
      EvalSession s = new EvalSession(gen.info(), options);
      learners.forEach(s::add);
      s.onProgress(progress, gen.config().events());
      for (StreamRecord r : gen) {
        s.accept(r);
      }
      s.finish();
      results = s.modelResults();
    } else {
      ExecutorService pool = Executors.newFixedThreadPool(Math.min(options.threads(), learners.size()), r -> {
        Thread t = new Thread(r, "cellstream-eval");
        t.setDaemon(true);
        return t;
      });
      try {
        List<Future<ModelResult>> futures = new ArrayList<>();
        for (OnlineLearner l : learners) {
          futures.add(pool.submit(() -> {
            EvalSession s = new EvalSession(gen.info(), options);
            s.add(l);
            s.onProgress(progress, gen.config().events());
            for (StreamRecord r : gen) {
              s.accept(r);
            }
            s.finish();
            return s.modelResults().getFirst();
          }));
        }
        results = new ArrayList<>();
        for (Future<ModelResult> f : futures) {
          results.add(f.get());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("evaluation interrupted", e);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof RuntimeException re) {
          throw re;
        }
        throw new IllegalStateException("evaluation failed", c);
      } finally {
        pool.shutdownNow();
      }
    }
    return new EvalResult(gen.info(), runParameters(gen), options, results, (System.nanoTime() - t0) / 1e9);
  }

  public static EvalResult run(TaskGenerator gen, List<? extends OnlineLearner> learners, EvalOptions options) {
    return run(gen, learners, options, ProgressListener.NONE);
  }

  /** What a report shows about a generated stream: task parameters and the stream config. */
  public static Map<String, Object> runParameters(TaskGenerator gen) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("task", gen.info().name());
    p.putAll(gen.info().parameters());
    StreamConfig c = gen.config();
    p.put("entities", c.entities());
    p.put("events", c.events());
    p.put("seed", c.seed());
    p.put("interleaving", c.interleaving().name().toLowerCase(java.util.Locale.ROOT));
    p.put("delayedLabelFraction", c.labels().delayedFraction());
    p.put("labelDelaySteps", c.labels().delaySteps());
    return p;
  }
}
