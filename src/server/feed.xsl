<?xml version="1.0" encoding="utf-8"?>
<!-- unionwire: shows an RSS 2.0 feed, an Atom feed or the OPML list as a readable page when opened in a
     browser. Readers ignore it. No script: text only, links to the items and to the feed itself. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="utf-8" indent="no"/>

  <xsl:template name="head">
    <xsl:param name="title"/>
    <head>
      <meta charset="utf-8"/>
      <meta name="viewport" content="width=device-width, initial-scale=1"/>
      <title><xsl:value-of select="$title"/></title>
      <style>
        *{box-sizing:border-box}
        body{font-family:system-ui,sans-serif;max-width:60em;margin:0 auto;padding:.5em 1em 2em;line-height:1.6;overflow-wrap:anywhere}
        h1{font-size:1.5em;line-height:1.3}
        .note{background:#f4f6fa;border:1px solid #dde3ee;padding:.6em .8em}
        .url{font-family:monospace;font-size:.9em}
        li{margin:.6em 0}
        small{color:#555}
      </style>
    </head>
  </xsl:template>

  <xsl:template match="/rss">
    <html lang="zh-CN">
      <xsl:call-template name="head">
        <xsl:with-param name="title" select="channel/title"/>
      </xsl:call-template>
      <body>
        <h1 id="feed-title"><xsl:value-of select="channel/title"/></h1>
        <p class="note">这是一个 RSS 订阅源 (feed)。把这个页面的地址复制到阅读器里即可订阅：
          <span class="url"><xsl:value-of select="channel/atom:link[@rel='self']/@href"/></span></p>
        <p><xsl:value-of select="channel/description"/> · <a href="{channel/link}">网站</a></p>
        <ol id="items">
          <xsl:for-each select="channel/item">
            <li>
              <a href="{link}"><xsl:value-of select="title"/></a>
              <br/><small>
                <xsl:value-of select="category[not(@domain)]"/>
                <xsl:if test="dc:creator"> · <xsl:value-of select="dc:creator"/></xsl:if>
                <xsl:if test="pubDate"> · <xsl:value-of select="pubDate"/></xsl:if>
              </small>
              <br/><xsl:value-of select="description"/>
            </li>
          </xsl:for-each>
        </ol>
        <xsl:if test="channel/atom:link[@rel='next']">
          <p><a rel="next" href="{channel/atom:link[@rel='next']/@href}">更早的报道 →</a></p>
        </xsl:if>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="/atom:feed">
    <html lang="zh-CN">
      <xsl:call-template name="head">
        <xsl:with-param name="title" select="atom:title"/>
      </xsl:call-template>
      <body>
        <h1 id="feed-title"><xsl:value-of select="atom:title"/></h1>
        <p class="note">这是一个 Atom 订阅源 (feed)。把这个页面的地址复制到阅读器里即可订阅：
          <span class="url"><xsl:value-of select="atom:link[@rel='self']/@href"/></span></p>
        <p><xsl:value-of select="atom:subtitle"/> · <a href="{atom:link[@rel='alternate']/@href}">网站</a></p>
        <ol id="items">
          <xsl:for-each select="atom:entry">
            <li>
              <a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
              <br/><small>
                <xsl:value-of select="atom:category[not(@scheme)]/@label"/>
                <xsl:for-each select="atom:author"> · <xsl:value-of select="atom:name"/></xsl:for-each>
                <xsl:if test="atom:published"> · <xsl:value-of select="atom:published"/></xsl:if>
              </small>
              <br/><xsl:value-of select="atom:summary"/>
            </li>
          </xsl:for-each>
        </ol>
        <xsl:if test="atom:link[@rel='next']">
          <p><a rel="next" href="{atom:link[@rel='next']/@href}">更早的报道 →</a></p>
        </xsl:if>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="/opml">
    <html lang="zh-CN">
      <xsl:call-template name="head">
        <xsl:with-param name="title" select="head/title"/>
      </xsl:call-template>
      <body>
        <h1 id="feed-title"><xsl:value-of select="head/title"/></h1>
        <p class="note">这是一个 OPML 订阅列表。把这个页面的地址导入阅读器，即可一次订阅下面所有的订阅源。</p>
        <ul id="items">
          <xsl:for-each select="body//outline[@xmlUrl]">
            <li>
              <xsl:value-of select="@text"/>
              <br/><a class="url" href="{@xmlUrl}"><xsl:value-of select="@xmlUrl"/></a>
            </li>
          </xsl:for-each>
        </ul>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
