package org.conveyord.e2e;

import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The line page's maintenance panel in headless Chromium against the daemon and device-sim: enter
 * maintenance mode, see the inputs, hold a jog button (the zone runs after the horn, stops on
 * release), and a page that goes away in the middle of a jog stops it.
 */
class MaintenancePageIT {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private LineHarness h;
    private WebDriver browser;
    private HeadlessChromium chromium;
    private AuditLog audit;

    @BeforeEach
    void up() throws Exception {
        audit = new AuditLog();
        h = new LineHarness();
        chromium = new HeadlessChromium("http://127.0.0.1:" + h.daemon.httpAddress().orElseThrow().getPort() + "/", "1280,1600");
        browser = chromium.driver;
    }

    @AfterEach
    void down() throws Exception {
        try {
            if (chromium != null) chromium.close();
        } finally {
            audit.close();
            if (h != null) h.close();
        }
    }

    private void screenshot(String step) throws Exception {
        chromium.screenshot("MaintenancePageIT-" + step);
    }

    private boolean motorOn(String zone) {
        LineConfig line = h.cfg.devicesOfKind(LineConfig.class).get("line-1");
        PinConfig motor = line.zonesOrEmpty().stream().filter(z -> z.id().equals(zone)).findFirst().orElseThrow().motor();
        return h.sim.output(motor.pin()) == motor.activeLevel();
    }

    private long released(String reason) {
        return audit.count(line -> line.contains("result=RELEASED") && line.contains(reason));
    }

    @Test
    void aHeldJogButtonRunsTheZoneUntilReleasedAndAPageThatGoesAwayStopsIt() throws Exception {
        await().atMost(PATIENCE).until(() -> !browser.findElements(By.cssSelector("#maint-line-1 button")).isEmpty());
        browser.findElement(By.id("user")).sendKeys(LineHarness.HTTP_USER);
        browser.findElement(By.id("secret")).sendKeys(LineHarness.HTTP_SECRET);
        browser.findElement(By.cssSelector("#maint-line-1 button")).click();
        await().atMost(PATIENCE).until(() -> audit.any(audited -> audited
                .matches(".*action=maintenance id=maint-\\S+ by=" + LineHarness.HTTP_USER + " result=OK.*")));
        By jogP1 = By.cssSelector("#maint-line-1 button.hold[data-action=jog][data-target=p1]");
        await().atMost(PATIENCE).until(() -> !browser.findElements(jogP1).isEmpty());
        await().atMost(PATIENCE).ignoreExceptions().until(() -> browser.findElement(By.id("maint-line-1")).getText().contains("p1.eye off"));

        WebElement jog = browser.findElement(jogP1);
        new Actions(browser).moveToElement(jog).clickAndHold().perform();
        await().atMost(PATIENCE).until(() -> motorOn("p1"));
        screenshot("jogging");
        new Actions(browser).release().perform();
        await().atMost(PATIENCE).until(() -> !motorOn("p1"));
        assertThat(released("released by " + LineHarness.HTTP_USER)).isEqualTo(1);

        new Actions(browser).moveToElement(browser.findElement(jogP1)).clickAndHold().perform();
        await().atMost(PATIENCE).until(() -> motorOn("p1"));
        browser.get("about:blank");   // the page goes away in the middle of the jog
        await().atMost(PATIENCE).until(() -> !motorOn("p1"));
        await().atMost(PATIENCE).until(() -> released("released by") + released("the page connection closed") == 2);
        assertThat(h.sim.report().unexpectedMotion()).isZero();
    }
}
