package org.conveyord.e2e;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.conveyord.config.LineConfig;
import org.conveyord.config.PinConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File DRIVER = new File("/usr/bin/chromedriver");

    private LineHarness h;
    private WebDriver browser;
    private ListAppender<ILoggingEvent> audit;

    @BeforeEach
    void up() throws Exception {
        assertThat(CHROMIUM).as("chromium (apt-get install chromium chromium-driver)").exists();
        assertThat(DRIVER).as("chromedriver (apt-get install chromium-driver)").exists();
        audit = new ListAppender<>();
        audit.start();
        ((Logger) LoggerFactory.getLogger("conveyord.audit")).addAppender(audit);
        h = new LineHarness();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless", "--no-sandbox",
                "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,1600");
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(DRIVER).build(), options);
        browser.get("http://127.0.0.1:" + h.daemon.httpAddress().orElseThrow().getPort() + "/");
    }

    @AfterEach
    void down() throws Exception {
        try {
            if (browser != null) browser.quit();
        } finally {
            ((Logger) LoggerFactory.getLogger("conveyord.audit")).detachAppender(audit);
            if (h != null) h.close();
        }
    }

    private void screenshot(String step) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "screenshots"));
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), dir.resolve("MaintenancePageIT-" + step + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private boolean motorOn(String zone) {
        LineConfig line = h.cfg.devicesOfKind(LineConfig.class).get("line-1");
        PinConfig motor = line.zonesOrEmpty().stream().filter(z -> z.id().equals(zone)).findFirst().orElseThrow().motor();
        return h.sim.output(motor.pin()) == motor.activeLevel();
    }

    private long released(String reason) {
        return audit.list.stream().filter(e -> e.getFormattedMessage().contains("result=RELEASED")
                && e.getFormattedMessage().contains(reason)).count();
    }

    @Test
    void aHeldJogButtonRunsTheZoneUntilReleasedAndAPageThatGoesAwayStopsIt() throws Exception {
        await().atMost(PATIENCE).until(() -> !browser.findElements(By.cssSelector("#maint-line-1 button")).isEmpty());
        browser.findElement(By.id("user")).sendKeys(LineHarness.HTTP_USER);
        browser.findElement(By.id("secret")).sendKeys(LineHarness.HTTP_SECRET);
        browser.findElement(By.cssSelector("#maint-line-1 button")).click();
        await().atMost(PATIENCE).until(() -> audit.list.stream().anyMatch(e -> e.getFormattedMessage()
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
