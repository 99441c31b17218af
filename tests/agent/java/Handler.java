import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The function: it answers with its own result and with what the JVM it runs in was
 * given, as one JSON line: the jars the stub agent was loaded from, the JVM's input
 * arguments, the values of the two options the java-function example sets itself
 * (so that the suite sees they still take effect), and the agent's variables.
 */
public final class Handler {
    private Handler() {}

    public static void main(String[] args) {
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        Map<String, Object> out = new TreeMap<>();
        out.put("answer", "the handler's own result");
        String loads = System.getProperty("stub.agent.loads", "");
        out.put("agentLoads", loads.isEmpty() ? List.of() : List.of(loads.split("\n")));
        out.put("inputArguments", ManagementFactory.getRuntimeMXBean().getInputArguments());
        out.put("TieredStopAtLevel", hotspot.getVMOption("TieredStopAtLevel").getValue());
        out.put("TieredCompilation", hotspot.getVMOption("TieredCompilation").getValue());
        Map<String, Object> env = new TreeMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("AWS_CODEGURU_PROFILER_")) {
                env.put(k, v);
            }
        });
        out.put("agentVariables", env);
        System.out.println(json(out));
    }

    private static String json(Object v) {
        if (v instanceof Map) {
            List<String> items = new ArrayList<>();
            ((Map<?, ?>) v).forEach((k, x) -> items.add(json(k) + ": " + json(x)));
            return "{" + String.join(", ", items) + "}";
        }
        if (v instanceof List) {
            List<String> items = new ArrayList<>();
            ((List<?>) v).forEach(x -> items.add(json(x)));
            return "[" + String.join(", ", items) + "]";
        }
        StringBuilder s = new StringBuilder("\"");
        for (char c : String.valueOf(v).toCharArray()) {
            if (c == '"' || c == '\\') {
                s.append('\\').append(c);
            } else if (c < 0x20) {
                s.append(String.format("\\u%04x", (int) c));
            } else {
                s.append(c);
            }
        }
        return s.append('"').toString();
    }
}
