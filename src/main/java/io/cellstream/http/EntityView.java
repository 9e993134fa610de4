package io.cellstream.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cellstream.state.EntityState;
import java.time.Instant;

/**
 * An entity's memory as JSON: h and c (summarised, or in full on request), counters, the last prediction, and
 * the gates of its last step — how much it forgot (forget gate), wrote (input gate) and exposed (output gate).
 */
final class EntityView {

  private EntityView() {}

  static ObjectNode toJson(ObjectMapper json, String id, EntityState s, boolean full, String servedBy) {
    ObjectNode o = json.createObjectNode();
    o.put("entityId", id);
    o.put("eventsSeen", s.eventsSeen);
    o.put("modelVersion", s.modelVersion);
    o.put("lastEventTime", Instant.ofEpochMilli(s.lastEventTime).toString());
    o.set("lastPrediction", floats(json, s.lastOutputs, s.outputSize()));
    o.put("windowSteps", s.windowCount());
    if (servedBy != null) {
      o.put("servedBy", servedBy);
    }
    o.set("h", vector(json, s.h, full));
    o.set("c", vector(json, s.c, full));
    if (s.hasGates) {
      ObjectNode gates = json.createObjectNode();
      gates.put("note", "activations of the last step in [0, 1], stored to 1/255: forget near 1 keeps the cell "
          + "state, input near 1 writes the candidate into it, output near 1 exposes it as h");
      gates.set("forget", gate(json, s, 1, full));
      gates.set("input", gate(json, s, 0, full));
      gates.set("output", gate(json, s, 2, full));
      o.set("gates", gates);
    } else {
      o.putNull("gates");
    }
    return o;
  }

  private static ObjectNode vector(ObjectMapper json, float[] v, boolean full) {
    ObjectNode o = summary(json, v, v.length);
    if (full) {
      o.set("values", floats(json, v, v.length));
    }
    return o;
  }

  private static ObjectNode gate(ObjectMapper json, EntityState s, int gate, boolean full) {
    int hs = s.hiddenSize();
    float[] v = new float[hs];
    for (int j = 0; j < hs; j++) {
      v[j] = s.gate(gate, j);
    }
    return vector(json, v, full);
  }

  private static ObjectNode summary(ObjectMapper json, float[] v, int n) {
    double sum = 0;
    double sq = 0;
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      sum += v[i];
      sq += (double) v[i] * v[i];
      min = Math.min(min, v[i]);
      max = Math.max(max, v[i]);
    }
    ObjectNode o = json.createObjectNode();
    o.put("size", n);
    o.put("mean", sum / n);
    o.put("min", min);
    o.put("max", max);
    o.put("norm", Math.sqrt(sq));
    return o;
  }

  private static ArrayNode floats(ObjectMapper json, float[] v, int n) {
    ArrayNode a = json.createArrayNode();
    for (int i = 0; i < n; i++) {
      a.add(v[i]);
    }
    return a;
  }
}
