import java.lang.instrument.Instrumentation;

/**
 * Stands for the CodeGuru Profiler Java agent, which is not obtainable offline: a
 * -javaagent whose premain only records that it ran and from which jar, so that the
 * suite can tell that the JVM loaded the agent at the layer's path, and how often,
 * from the JAVA_TOOL_OPTIONS a function is given.
 */
public final class StubAgent {
    private StubAgent() {}

    public static void premain(String args, Instrumentation instrumentation) {
        String jar = StubAgent.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        String loads = System.getProperty("stub.agent.loads", "");
        System.setProperty("stub.agent.loads", loads.isEmpty() ? jar : loads + "\n" + jar);
    }
}
