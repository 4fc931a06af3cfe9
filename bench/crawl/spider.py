"""A minimal Scrapy spider for the generated site: follow listing pages, extract title and body with CSS
selectors. The peer baseline of bench/crawl/run.sh."""
import scrapy


class UnionSpider(scrapy.Spider):
    name = "union"

    def __init__(self, hosts="", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start_urls = [f"http://{h}/list/index.html" for h in hosts.split(",") if h]

    def parse(self, response):
        for href in response.css("div.ej_list_box li a::attr(href)").getall():
            yield response.follow(href, self.parse_article)
        nxt = response.css("div.page_n a::attr(href)").get()
        if nxt:
            yield response.follow(nxt, self.parse)

    def parse_article(self, response):
        yield {
            "url": response.url,
            "title": response.css("h1::text").get(),
            "body": "\n".join(response.css("#rm_txt_zw p::text").getall()),
        }
