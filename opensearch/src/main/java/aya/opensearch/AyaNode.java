package aya.opensearch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

/**
 * One OpenSearch node in this JVM, with the plugins Aya's index needs loaded from the classpath.
 *
 * <p>Arguments are settings as OpenSearch's own launcher takes them: {@code -Ekey=value}. {@code path.home} is required;
 * the config directory (an empty opensearch.yml and a console-only log4j2.properties) is written under it. The node
 * runs until the JVM is told to stop (SIGTERM closes it cleanly; SIGKILL is what the failover test sends).
 */
public final class AyaNode extends Node {

    /** The plugins, by class name: the k-NN plugin's jars come out of its plugin zip, next to the Maven dependencies. */
    static final List<String> PLUGINS = List.of(
            "org.opensearch.transport.Netty4Plugin",
            "org.opensearch.analysis.common.CommonAnalysisPlugin",
            "org.opensearch.index.mapper.MapperExtrasPlugin",
            "org.opensearch.painless.PainlessPlugin",
            "org.opensearch.knn.plugin.KNNPlugin");

    private static final String LOG4J2 = String.join("\n",
            "status = error",
            "appender.console.type = Console",
            "appender.console.name = console",
            "appender.console.layout.type = PatternLayout",
            "appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [${sys:aya.node.name:-node}] %m%n",
            "rootLogger.level = ${sys:aya.log.level:-info}",
            "rootLogger.appenderRef.console.ref = console",
            "");

    AyaNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
        super(environment, plugins, true);
    }

    @Override
    protected void configureNodeAndClusterIdStateListener(ClusterService clusterService) {
        // The standalone launcher's log-pattern listener is not needed here.
    }

    public static void main(String[] args) throws Exception {
        Settings.Builder builder = Settings.builder()
                .put("network.host", "127.0.0.1")
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .put("action.auto_create_index", false);
        for (String arg : args) {
            if (!arg.startsWith("-E") || !arg.contains("=")) {
                throw new IllegalArgumentException("expected -Ekey=value, got: " + arg);
            }
            String kv = arg.substring(2);
            int eq = kv.indexOf('=');
            String key = kv.substring(0, eq);
            String value = kv.substring(eq + 1);
            if (value.contains(",") && (key.startsWith("discovery.seed_hosts") || key.startsWith("cluster.initial_"))) {
                builder.putList(key, value.split(","));
            } else {
                builder.put(key, value);
            }
        }
        String home = builder.get("path.home");
        if (home == null) {
            throw new IllegalArgumentException("-Epath.home=DIR is required");
        }
        Path config = Paths.get(home).resolve("config");
        Files.createDirectories(config);
        writeIfAbsent(config.resolve("opensearch.yml"), "# settings come from the command line (-Ekey=value)\n");
        writeIfAbsent(config.resolve("log4j2.properties"), LOG4J2);
        Files.createDirectories(Paths.get(home).resolve("plugins"));
        Files.createDirectories(Paths.get(home).resolve("modules"));

        Settings settings = builder.build();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(
                settings, Collections.emptyMap(), config, () -> settings.get("node.name", "aya-node"));
        System.setProperty("aya.node.name", settings.get("node.name", "aya-node"));
        LogConfigurator.registerErrorListener();
        LogConfigurator.configure(environment);

        List<Class<? extends Plugin>> plugins = new ArrayList<>();
        for (String name : PLUGINS) {
            plugins.add(Class.forName(name).asSubclass(Plugin.class));
        }
        AyaNode node = new AyaNode(environment, plugins);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (IOException e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "aya-node-shutdown"));
        node.start();
        stopped.await();
    }

    private static void writeIfAbsent(Path path, String text) throws IOException {
        if (!Files.exists(path)) {
            Files.writeString(path, text, StandardCharsets.UTF_8);
        }
    }
}
