package org.conveyord.e2e;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.DeviceConfig;
import org.conveyord.config.LineConfig;
import org.conveyord.config.PrinterConfig;
import org.conveyord.mqtt.TestMqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import com.fasterxml.jackson.databind.JsonNode;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The line page in a real browser: Debian's headless Chromium driven by chromium-driver through
 * Selenium, against the daemon, device-sim and a broker. Screenshots go to target/screenshots/.
 */
class LinePageIT {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private LineHarness h;
    private WebDriver browser;
    private HeadlessChromium chromium;
    private AuditLog audit;
    private String testName;

    /**
     * The demo line, but printer-1 has no odometer and a label takes 3 s to come out: a power cut
     * during one leaves it uncertain, for staff to reprint or discard.
     */
    private static ConveyordConfig withUncertainLabels(ConveyordConfig c) {
        LinkedHashMap<String, DeviceConfig> devices = new LinkedHashMap<>(c.devicesOrEmpty());
        PrinterConfig p = (PrinterConfig) devices.get("printer-1");
        devices.put("printer-1", new PrinterConfig(p.protocol(), p.link(), p.pollMs(), p.timeoutMs(), p.maxZplBytes(),
                p.jobDeadlineS(), false, p.templates()));
        ObjectNode sim = c.sim() == null ? TestMqttClient.MAPPER.createObjectNode() : c.sim().deepCopy();
        sim.put("printMs", 3000);
        return new ConveyordConfig(c.site(), c.node(), c.mqtt(), c.stateDir(), c.gpio(), devices, sim);
    }

    @BeforeEach
    void up(TestInfo info) throws Exception {
        testName = info.getTestMethod().orElseThrow().getName();
        audit = new AuditLog();
        h = testName.equals("anUncertainLabelIsDiscardedFromThePageAsTheUser") ? new LineHarness(LinePageIT::withUncertainLabels) : new LineHarness();
        chromium = new HeadlessChromium("http://127.0.0.1:" + h.daemon.httpAddress().orElseThrow().getPort() + "/", "1280,900");
        browser = chromium.driver;
    }

    @AfterEach
    void down() throws Exception {
        try {
            if (chromium != null) {
                screenshot("end");
                chromium.close();
            }
        } finally {
            audit.close();
            if (h != null) h.close();
        }
    }

    private void screenshot(String step) throws Exception {
        chromium.screenshot("LinePageIT-" + testName + "-" + step);
    }

    @Test
    void thePageDrawsTheDemoLayoutAndStartsTheLineAsTheUser() throws Exception {
        LineConfig line = h.cfg.devicesOfKind(LineConfig.class).get("line-1");
        await().atMost(PATIENCE).until(() -> !browser.findElements(By.id("svg-line-1")).isEmpty());
        await().atMost(PATIENCE).ignoreExceptions().until(() -> browser.findElements(By.cssSelector("#svg-line-1 .zone-g")).size()
                == line.zonesOrEmpty().size());
        assertThat(browser.findElements(By.cssSelector("#svg-line-1 .lane-g"))).hasSize(line.lanesOrEmpty().size());
        assertThat(browser.findElement(By.id("conn")).getText()).isEqualTo("connected");
        screenshot("layout");

        browser.findElement(By.id("user")).sendKeys(LineHarness.HTTP_USER);
        browser.findElement(By.id("secret")).sendKeys(LineHarness.HTTP_SECRET);
        WebElement start = browser.findElement(By.cssSelector("#buttons button[data-action=start]"));
        assertThat(start.isEnabled()).isTrue();
        start.click();
        await().atMost(PATIENCE).until(() -> audit.any(audited -> audited
                .matches(".*action=start id=page-\\S+ by=" + LineHarness.HTTP_USER + " result=OK.*")));
        await().atMost(PATIENCE).until(() -> browser.findElement(By.id("answer")).getText().equals("start: ok"));
        // the page follows: Start is now refused by the daemon, so it is disabled with the reason
        await().atMost(PATIENCE).ignoreExceptions().until(() -> "already running".equals(
                browser.findElement(By.cssSelector("#buttons button[data-action=start]")).getAttribute("title")));
    }

    @Test
    void theEstopBannerShowsWithinOneSecond() throws Exception {
        await().atMost(PATIENCE).until(() -> !browser.findElements(By.id("svg-line-1")).isEmpty());
        assertThat(browser.findElement(By.id("estop")).isDisplayed()).isFalse();
        h.sim.setEstop(true);
        await().atMost(Duration.ofSeconds(1)).until(() -> browser.findElement(By.id("estop")).isDisplayed());
        screenshot("estop");
        // the buttons are redrawn with each state: look the button up afresh each time
        await().atMost(PATIENCE).ignoreExceptions().until(() -> "release the e-stop first".equals(
                browser.findElement(By.cssSelector("#buttons button[data-action=reset]")).getAttribute("title")));
        assertThat(browser.findElement(By.cssSelector("#buttons button[data-action=reset]")).isEnabled()).isFalse();

        // released: the daemon would still refuse a remote reset, since the demo line has a reset button
        // (remoteEstopReset: false): the page says so rather than offering a button that fails
        h.sim.setEstop(false);
        await().atMost(PATIENCE).ignoreExceptions().until(() -> "after an e-stop, press the reset button at the line".equals(
                browser.findElement(By.cssSelector("#buttons button[data-action=reset]")).getAttribute("title")));
        assertThat(browser.findElement(By.cssSelector("#buttons button[data-action=reset]")).isEnabled()).isFalse();
        assertThat(browser.findElement(By.id("estop")).isDisplayed()).isFalse();
        screenshot("estop-released");
        h.sim.pressButton("reset");
        await().atMost(PATIENCE).ignoreExceptions().until(() -> "nothing to reset".equals(
                browser.findElement(By.cssSelector("#buttons button[data-action=reset]")).getAttribute("title")));
    }

    private String whereIs(String bag) {
        List<WebElement> found = browser.findElements(By.cssSelector("#svg-line-1 g.bag[data-bag='" + bag + "']"));
        return found.isEmpty() ? null : found.get(0).getAttribute("data-where");
    }

    private JsonNode command(String action, String payload, String id) throws Exception {
        h.operator.send("cmd/line-1/" + action, payload);
        return h.operator.awaitReply("reply/line-1/" + action, id);
    }

    @Test
    void aBagHungOnInTheSimulatorMovesWithItsIdIntoItsLaneAndTheShiftFiguresFollow() throws Exception {
        await().atMost(PATIENCE).ignoreExceptions().until(() -> !browser.findElements(By.cssSelector("#svg-line-1 .station-g")).isEmpty());
        // drawn from the layout: both pick stations, and m1 is where their zones merge
        assertThat(browser.findElements(By.cssSelector("#svg-line-1 .station-g"))).extracting(e -> e.getAttribute("data-station"))
                .containsExactly("pick-1", "pick-2");
        assertThat(browser.findElement(By.cssSelector("#svg-line-1 .zone-g[data-zone=m1] rect")).getAttribute("class")).contains("merge");
        assertThat(browser.findElement(By.cssSelector("dd[data-figure=ordersCompleted]")).getText()).isEqualTo("0");

        assertThat(command("order", "{\"id\":\"o-1\",\"order\":\"O-1\",\"bags\":[\"B-71\"],\"dest\":\"lane-2\"}", "o-1")
                .path("ok").asBoolean()).isTrue();
        assertThat(command("start", "{\"id\":\"s-1\"}", "s-1").path("ok").asBoolean()).isTrue();
        h.operator.awaitMessage("event/line-1/started", m -> true);
        h.sim.hangBag("B-71", "pick-1", false);

        Set<String> seen = new LinkedHashSet<>();
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100)).until(() -> {
            String where = whereIs("B-71");
            if (where != null && seen.add(where) && !"lane-2".equals(where)) screenshot("bag-at-" + where);
            return "lane-2".equals(where);
        });
        // it was seen on its way, not only at the end: in zones from its station's on, and on the sorter
        assertThat(seen).as("places the page showed B-71").contains("p1", "sorter", "lane-2");
        assertThat(seen.stream().toList().indexOf("p1")).isLessThan(seen.stream().toList().indexOf("sorter"));
        screenshot("bag-in-lane");

        h.operator.awaitMessage("event/line-1/order-complete", m -> "O-1".equals(m.json().path("order").asText()));
        await().atMost(PATIENCE).ignoreExceptions().until(() ->
                browser.findElement(By.cssSelector("dd[data-figure=ordersCompleted]")).getText().equals("1"));
        // one bag delivered: an hourly rate of at most 60 (the rate's span is a minute at least)
        assertThat(Double.parseDouble(browser.findElement(By.cssSelector("dd[data-figure=bagsPerHour]")).getText()))
                .isPositive().isLessThanOrEqualTo(60.0);
        assertThat(Double.parseDouble(browser.findElement(By.cssSelector("dd[data-figure=orderTimeP50S]")).getText())).isPositive();
        assertThat(browser.findElement(By.cssSelector("dd[data-figure=runningS]")).getText()).isNotEqualTo("–");
        screenshot("shift");

        // the rider takes the bags: a collect pressed on the page reaches the daemon with the user as `by`
        browser.findElement(By.id("user")).sendKeys(LineHarness.HTTP_USER);
        browser.findElement(By.id("secret")).sendKeys(LineHarness.HTTP_SECRET);
        By collectLane2 = By.cssSelector("#buttons button[data-action=collect][data-lane=lane-2]");
        await().atMost(PATIENCE).ignoreExceptions().until(() -> browser.findElement(collectLane2).isEnabled());
        browser.findElement(collectLane2).click();
        await().atMost(PATIENCE).until(() -> audit.any(audited -> audited
                .matches(".*action=collect id=page-\\S+ by=" + LineHarness.HTTP_USER + " result=OK.*")));
        h.operator.awaitMessage("event/line-1/lane-released", m -> "lane-2".equals(m.json().path("lane").asText()));
        await().atMost(PATIENCE).ignoreExceptions().until(() -> "lane empty".equals(browser.findElement(collectLane2).getAttribute("title")));
        screenshot("collected");
    }

    @Test
    void thePrinterPanelShowsPaperOutAndTheQueue() throws Exception {
        await().atMost(PATIENCE).ignoreExceptions().until(() ->
                browser.findElement(By.cssSelector("#printer-printer-1 .queue")).getText().equals("queue: 0"));
        assertThat(browser.findElements(By.cssSelector("#printer-printer-1 .fault"))).isEmpty();
        h.sim.printerFault("printer-1", "paper-out");
        await().atMost(PATIENCE).ignoreExceptions().until(() -> browser.findElement(
                By.cssSelector("#printer-printer-1 .fault[data-fault=paper-out]")).getText().equals("paper out"));
        screenshot("paper-out");
        h.sim.printerFault("printer-1", null);
        await().atMost(PATIENCE).ignoreExceptions().until(() ->
                browser.findElements(By.cssSelector("#printer-printer-1 .fault")).isEmpty());
    }

    @Test
    void anUncertainLabelIsDiscardedFromThePageAsTheUser() throws Exception {
        await().atMost(PATIENCE).ignoreExceptions().until(() ->
                browser.findElement(By.cssSelector("#printer-printer-1 .queue")).getText().equals("queue: 0"));
        h.operator.send("cmd/printer-1/print", "{\"id\":\"pr-1\",\"job\":\"J-1\",\"zpl\":\"^XA^FO40,40^A0N,40,40^FDO-1^FS^XZ\"}");
        assertThat(h.operator.awaitReply("reply/printer-1/print", "pr-1").path("ok").asBoolean()).isTrue();
        await().atMost(PATIENCE).ignoreExceptions().until(() ->
                browser.findElement(By.cssSelector("#printer-printer-1 .queue")).getText().contains("1 in the printer"));
        h.sim.printerFault("printer-1", "power-cycle");
        h.operator.awaitMessage("event/printer-1/job-uncertain", m -> "J-1".equals(m.json().path("job").asText()));
        await().atMost(PATIENCE).ignoreExceptions().until(() -> browser.findElements(
                By.cssSelector("#printer-printer-1 li[data-job=J-1] button")).size() == 2);
        assertThat(browser.findElement(By.cssSelector("#printer-printer-1 li[data-job=J-1] button[data-action=reprint]")).isEnabled()).isTrue();
        screenshot("uncertain");

        browser.findElement(By.id("user")).sendKeys(LineHarness.HTTP_USER);
        browser.findElement(By.id("secret")).sendKeys(LineHarness.HTTP_SECRET);
        browser.findElement(By.cssSelector("#printer-printer-1 li[data-job=J-1] button[data-action=discard]")).click();
        await().atMost(PATIENCE).until(() -> audit.any(audited -> audited
                .matches(".*action=discard id=page-\\S+ by=" + LineHarness.HTTP_USER + " result=OK.*")));
        h.operator.awaitMessage("event/printer-1/job-discarded", m -> "J-1".equals(m.json().path("job").asText()));
        await().atMost(PATIENCE).ignoreExceptions().until(() ->
                browser.findElements(By.cssSelector("#printer-printer-1 li[data-job=J-1]")).isEmpty());
    }

    /** Width the page needs beyond the window's: 0 when nothing but the picture's own box scrolls sideways. */
    private long overflowX() {
        return (Long) ((JavascriptExecutor) browser).executeScript(
                "return Math.max(0, document.documentElement.scrollWidth - window.innerWidth);");
    }

    @Test
    void thePageFitsATabletAndAPhone() throws Exception {
        await().atMost(PATIENCE).ignoreExceptions().until(() -> !browser.findElements(By.cssSelector("#svg-line-1 .station-g")).isEmpty());
        for (Dimension size : List.of(new Dimension(1280, 800), new Dimension(800, 1280), new Dimension(390, 844))) {
            browser.manage().window().setSize(size);
            await().atMost(PATIENCE).until(() -> overflowX() == 0);
            // the buttons stay big enough to hit with a finger
            WebElement start = browser.findElement(By.cssSelector("#buttons button[data-action=start]"));
            assertThat(start.getSize().getHeight()).as("start button height at %s", size).isGreaterThanOrEqualTo(40);
            assertThat(start.getRect().getX() + start.getSize().getWidth()).isLessThanOrEqualTo(size.getWidth());
            screenshot(size.getWidth() + "x" + size.getHeight());
        }
    }
}
